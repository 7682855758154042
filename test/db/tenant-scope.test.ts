/**
 * The tenant-bound database layer on both tenancy paths (shared pool with a per-transaction setting,
 * and a tenant's own pool): units of work commit or roll back as one, nest by joining, and run
 * their after-commit hooks only after a commit. Real PostgreSQL, the app role.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { appDatabaseUrl } from '../../lib/config';
import { buildDemoData } from '../../lib/db/demo-data';
import { createPrismaClient, type PrismaClient } from '../../lib/db/prisma-client';
import { TenantDatabase } from '../../lib/db/tenant-database';
import { InvalidTenantIdError, type TenantClient, type TenantScope } from '../../lib/db/tenant-scope';
import { createDatabaseFromTemplate } from '../support/test-database';

const acme = buildDemoData().tenants.find((t) => t.slug === 'acme')!;

/** Inserts a product of the scope's tenant with SKU `sku`. */
const insertProduct = (db: TenantClient, tenantId: string, sku: string) =>
  db.product.create({ data: { id: randomUUID(), tenantId, sku, name: sku, priceAmount: 1, priceCurrency: 'USD', stock: 1 } });

describe('TenantScope', () => {
  let ownerUrl: string;
  let owner: Client;
  let prisma: PrismaClient;
  const databases: Record<string, TenantDatabase> = {};
  const skuCount = async (sku: string) => (await owner.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku])).rows[0].n;

  beforeAll(async () => {
    ownerUrl = await createDatabaseFromTemplate();
    owner = new Client({ connectionString: ownerUrl });
    await owner.connect();
    prisma = createPrismaClient({ url: appDatabaseUrl(ownerUrl), poolSize: 2 });
    databases['shared pool'] = new TenantDatabase({ shared: prisma });
    databases['tenant pool'] = new TenantDatabase({ shared: prisma, tenantPools: { url: appDatabaseUrl(ownerUrl), poolSize: 2 } });
  });
  afterAll(async () => {
    for (const db of Object.values(databases)) await db.disconnect();
    await prisma.$disconnect();
    await owner.end();
  });

  describe.each(['shared pool', 'tenant pool'])('on the %s', (path) => {
    let scope: TenantScope;
    beforeAll(async () => {
      await databases[path]!.ready();
      scope = databases[path]!.forTenant(acme.id.toUpperCase());
    });

    it('is bound to the lower-cased tenant id, on the path it names', async () => {
      expect(scope.tenantId).toBe(acme.id.toLowerCase());
      await scope.run((db) => db.product.count());
      const stats = databases[path]!.poolStats;
      if (path === 'tenant pool') expect(stats).toMatchObject({ open: 1, overflow: 0 });
      else expect(stats).toBeUndefined();
    });

    it('transaction: commits every step together, then runs each after-commit hook once, seeing the committed rows', async () => {
      const sku = `UOW-${path}-commit`;
      let seenByHook: Promise<number> | undefined;
      let hookRuns = 0;
      const hook = () => {
        hookRuns++;
        seenByHook = skuCount(sku); // another connection, right after the commit
      };
      await scope.transaction(async (uow) => {
        await uow.run((db) => insertProduct(db, uow.tenantId, `${sku}-1`));
        uow.afterCommit(hook);
        await uow.run((db) => insertProduct(db, uow.tenantId, sku));
        uow.afterCommit(hook);
        expect(await skuCount(sku)).toBe(0); // not visible to another connection before the commit
        expect(hookRuns).toBe(0);
      });
      expect(hookRuns).toBe(1);
      expect(await seenByHook).toBe(1);
    });

    it('transaction: a throw rolls every step back and runs no hook', async () => {
      const sku = `UOW-${path}-rollback`;
      let hookRuns = 0;
      await expect(
        scope.transaction(async (uow) => {
          await uow.run((db) => insertProduct(db, uow.tenantId, sku));
          uow.afterCommit(() => hookRuns++);
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(await skuCount(sku)).toBe(0);
      expect(hookRuns).toBe(0);
    });

    it('transaction inside a unit of work joins it: an inner step is rolled back with the outer one', async () => {
      const sku = `UOW-${path}-nested`;
      await expect(
        scope.transaction(async (uow) => {
          await uow.transaction((inner) => inner.run((db) => insertProduct(db, inner.tenantId, sku)));
          throw new Error('outer failed');
        }),
      ).rejects.toThrow('outer failed');
      expect(await skuCount(sku)).toBe(0);
    });

    it("run: row-level security shows the scope's tenant only", async () => {
      const tenants = await scope.run((db) => db.$queryRaw<Array<{ n: number }>>`SELECT count(DISTINCT tenant_id)::int AS n FROM products`);
      expect(tenants[0]!.n).toBe(1);
    });
  });

  it('forTenant refuses a tenant id that is not a UUID (it would reach SQL settings and connection options)', () => {
    for (const db of Object.values(databases)) expect(() => db.forTenant("x' -c role=postgres")).toThrow(InvalidTenantIdError);
  });

  it('forNewTenant: the platform path may insert a tenant; a tenant scope may not', async () => {
    const id = randomUUID();
    const database = databases['shared pool']!;
    await expect(
      database.forTenant(acme.id).run((db) => db.tenant.create({ data: { id: randomUUID(), slug: 'scope-x', name: 'x' } })),
    ).rejects.toThrow(/row-level security/);
    const created = await database.forNewTenant(id).run((db) => db.tenant.create({ data: { id, slug: 'scope-new', name: 'New' } }));
    expect(created.id).toBe(id);
    expect((await owner.query('SELECT slug FROM tenants WHERE id = $1', [id])).rows).toEqual([{ slug: 'scope-new' }]);
  });
});
