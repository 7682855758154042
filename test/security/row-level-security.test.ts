import { Client } from 'pg';
import { appDatabaseUrl } from '../../lib/config';
import { buildDemoData } from '../../lib/db/demo-data';
import { createPrismaClient, type PrismaClient } from '../../lib/db/prisma-client';
import { TenantDatabase } from '../../lib/db/tenant-database';
import { APP_ROLE, type TenantClient } from '../../lib/db/tenant-scope';
import { TENANT_TABLES } from '../support/database-state';
import { createDatabaseFromTemplate } from '../support/test-database';

const demo = buildDemoData();
const acme = demo.tenants.find((t) => t.slug === 'acme')!;
const globex = demo.tenants.find((t) => t.slug === 'globex')!;

describe('row-level security (PostgreSQL layer of tenant isolation)', () => {
  let ownerUrl: string;
  let owner: Client;
  let prisma: PrismaClient;
  let database: TenantDatabase;
  /** Runs `fn` on the shared pool's scope of `tenantId` (per-transaction setting). */
  const withTenant = <T>(tenantId: string, fn: (db: TenantClient) => Promise<T>) => database.forTenant(tenantId).run(fn);
  beforeAll(async () => {
    ownerUrl = await createDatabaseFromTemplate();
    owner = new Client({ connectionString: ownerUrl });
    await owner.connect();
    // ONE connection: every use below goes through the same pooled connection.
    prisma = createPrismaClient({ url: appDatabaseUrl(ownerUrl), poolSize: 1 });
    database = new TenantDatabase({ shared: prisma });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await owner.end();
  });

  it('app role: not superuser, no BYPASSRLS, owns none of the tenant tables', async () => {
    const { rows } = await owner.query('SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcanlogin: true }]);
    const owners = await owner.query("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)", [
      TENANT_TABLES,
    ]);
    expect(owners.rows).toHaveLength(TENANT_TABLES.length);
    for (const r of owners.rows as Array<{ tableowner: string }>) expect(r.tableowner).not.toBe(APP_ROLE);
    const me = await prisma.$queryRaw<Array<{ user: string }>>`SELECT current_user AS user`;
    expect(me[0]!.user).toBe(APP_ROLE);
  });

  it('tables: RLS enabled and FORCEd on every tenant-owned table', async () => {
    const { rows } = await owner.query(
      "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1) ORDER BY relname",
      [TENANT_TABLES],
    );
    expect(rows).toEqual([...TENANT_TABLES].sort().map((relname) => ({ relname, relrowsecurity: true, relforcerowsecurity: true })));
  });

  it('unset tenant: the app role sees no row of any tenant table', async () => {
    for (const table of TENANT_TABLES) {
      const rows = await prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, n: rows[0]!.n }).toEqual({ table, n: 0 });
    }
  });

  it("TenantScope.run on a pool of one connection: A's setting does not leak to the next tenant-less or tenant-B use", async () => {
    const count = (tx: { $queryRaw: PrismaClient['$queryRaw'] }) =>
      tx.$queryRaw<Array<{ n: number; t: string | null }>>`
        SELECT count(*)::int AS n, current_setting('app.tenant_id', true) AS t FROM products`;
    const a = await withTenant(acme.id, count);
    expect(a[0]).toEqual({ n: demo.products.filter((p) => p.tenantId === acme.id).length, t: acme.id });
    const none = await count(prisma);
    expect(none[0]!.n).toBe(0);
    expect(none[0]!.t ?? '').toBe('');
    const b = await withTenant(
      globex.id,
      (tx) => tx.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM products WHERE tenant_id = ${acme.id}::uuid`,
    );
    expect(b[0]!.n).toBe(0);
    // A failed transaction (rolled back) leaves nothing behind either.
    await expect(
      withTenant(acme.id, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await count(prisma))[0]!.n).toBe(0);
  });

  it("writes: scoped to A, inserting or updating B's rows is refused by the policy", async () => {
    const before = await owner.query("SELECT md5(string_agg(id::text || stock, ',' ORDER BY id)) AS h FROM products");
    await expect(
      withTenant(
        acme.id,
        (tx) =>
          tx.$executeRaw`INSERT INTO products (id, tenant_id, sku, name, price_amount, price_currency, stock)
          VALUES (gen_random_uuid(), ${globex.id}::uuid, 'X-RLS', 'x', 1, 'USD', 1)`,
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await withTenant(acme.id, (tx) => tx.$executeRaw`UPDATE products SET stock = 0 WHERE tenant_id = ${globex.id}::uuid`);
    expect(updated).toBe(0);
    expect(await owner.query("SELECT md5(string_agg(id::text || stock, ',' ORDER BY id)) AS h FROM products")).toMatchObject({
      rows: before.rows,
    });
  });

  it('tenants: only the platform path (app.platform_admin) may insert a tenant', async () => {
    await expect(
      withTenant(acme.id, (tx) => tx.$executeRaw`INSERT INTO tenants (id, slug, name) VALUES (gen_random_uuid(), 'rls-x', 'x')`),
    ).rejects.toThrow(/row-level security/);
  });

  it('outbox: the relay setting shows every tenant, nothing else does', async () => {
    await owner.query(
      `INSERT INTO outbox (id, tenant_id, topic, type, payload) VALUES (gen_random_uuid(), $1, 'orders', 't', '{}'), (gen_random_uuid(), $2, 'orders', 't', '{}')`,
      [acme.id, globex.id],
    );
    const relay = await prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT set_config('app.outbox_relay', 'on', true)`;
      return tx.$queryRaw<Array<{ n: number }>>`SELECT count(DISTINCT tenant_id)::int AS n FROM outbox`;
    });
    expect(relay[0]!.n).toBe(2);
    const scoped = await withTenant(
      acme.id,
      (tx) => tx.$queryRaw<Array<{ n: number }>>`SELECT count(DISTINCT tenant_id)::int AS n FROM outbox`,
    );
    expect(scoped[0]!.n).toBe(1);
  });

  it("per-tenant pools: a connection opened for A (libpq options) sees A's rows only", async () => {
    const pools = new TenantDatabase({ shared: prisma, tenantPools: { url: appDatabaseUrl(ownerUrl), poolSize: 1 } });
    try {
      expect(await pools.ready()).toBe(true); // a direct connection applies the option
      const rows = await pools.forTenant(acme.id).run(
        (db) =>
          db.$queryRaw<Array<{ own: number; theirs: number }>>`
          SELECT count(*) FILTER (WHERE tenant_id = ${acme.id}::uuid)::int AS own,
                 count(*) FILTER (WHERE tenant_id = ${globex.id}::uuid)::int AS theirs FROM products`,
      );
      expect(rows[0]).toEqual({ own: demo.products.filter((p) => p.tenantId === acme.id).length, theirs: 0 });
      expect(() => pools.forTenant("x' -c role=postgres")).toThrow(/UUID/);
    } finally {
      await pools.disconnect();
    }
  });
});
