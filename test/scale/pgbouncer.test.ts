/**
 * The supergraph behind PgBouncer in transaction mode (Debian's pgbouncer 1.18), as many service
 * replicas would share one PostgreSQL: the tenant is set per transaction (`set_config(..., true)`),
 * nothing lives in the session, and the pg driver sends unnamed prepared statements only (PgBouncer
 * 1.18 does not support named ones in transaction mode). Under concurrent load of two tenants, the
 * server connections never exceed the pool, and no row crosses tenants. The order and isolation
 * suites also run through PgBouncer (test/orders/place-order.test.ts,
 * test/security/tenant-isolation.test.ts).
 */
import { appDatabaseUrl, DEFAULT_APP_ROLE } from '../../lib/config';
import { buildDemoData } from '../../lib/db/demo-data';
import { createPrismaClient } from '../../lib/db/prisma-client';
import { TenantDatabase } from '../../lib/db/tenant-database';
import { startPgBouncer } from '../support/pgbouncer';
import { createDatabaseFromTemplate } from '../support/test-database';
import { startTestStack, type TestStack } from '../support/test-stack';

const POOL = 3;
const demo = buildDemoData();
const owners = new Map<string, string>([
  ...demo.orders.map((o) => [o.id, o.tenantId] as const),
  ...demo.products.map((p) => [p.id, p.tenantId] as const),
  ...demo.notifications.map((n) => [n.id, n.tenantId] as const),
]);
const LISTS =
  '{ orders(first: 100) { edges { node { id } } } products(first: 100) { edges { node { id } } } notifications(first: 100) { edges { node { id } } } }';

describe('PgBouncer in transaction mode', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory', pgbouncerPoolSize: POOL });
  });
  afterAll(() => stack.stop());

  it(`serves 200 concurrent mixed requests of two tenants on at most ${POOL} server connections, and no row crosses tenants`, async () => {
    const tokens = {
      acme: await stack.token({ tenant: 'acme', user: 'owner@acme.test' }),
      globex: await stack.token({ tenant: 'globex', user: 'owner@globex.test' }),
    };
    const tenantIds = { acme: demo.tenants.find((t) => t.slug === 'acme')!.id, globex: demo.tenants.find((t) => t.slug === 'globex')!.id };
    const mostStocked = async (tenantId: string) =>
      (await stack.sql<{ id: string }>('SELECT id FROM products WHERE tenant_id = $1 ORDER BY stock DESC LIMIT 1', [tenantId]))[0]!.id;
    const products = { acme: await mostStocked(tenantIds.acme), globex: await mostStocked(tenantIds.globex) };
    let sampling = true;
    let most = 0;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, await stack.pgbouncer!.serverConnections());
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const requests = Array.from({ length: 200 }, (_, i) => {
      const tenant: 'acme' | 'globex' = i % 2 === 0 ? 'acme' : 'globex';
      return i % 5 === 0
        ? stack.placeOrder(tokens[tenant], products[tenant]).then((o) => ({ tenant, body: { data: { placeOrder: o } } }))
        : stack.gql(LISTS, {}, { token: tokens[tenant] }).then((r) => ({ tenant, body: r.body }));
    });
    const results = await Promise.all(requests);
    sampling = false;
    await sampler;

    const leaks: string[] = [];
    let own = 0;
    for (const { tenant, body } of results) {
      expect((body as { errors?: unknown }).errors).toBeUndefined();
      for (const id of JSON.stringify(body).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []) {
        const owner = owners.get(id);
        if (owner === tenantIds[tenant]) own++;
        else if (owner !== undefined) leaks.push(`${tenant}: ${id}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(own).toBeGreaterThan(1000); // positive control: the lists were full
    // The orders were placed, 20 per tenant, each in its own tenant.
    const placed = await stack.sql<{ slug: string; n: number }>(
      "SELECT t.slug, count(*)::int AS n FROM orders o JOIN tenants t ON t.id = o.tenant_id WHERE o.created_at > now() - interval '5 minutes' AND o.number > 'ORD-000012' GROUP BY t.slug ORDER BY t.slug",
    );
    expect(placed).toEqual([
      { slug: 'acme', n: 20 },
      { slug: 'globex', n: 20 },
    ]);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(POOL);
  });

  it('per-tenant pools are not used behind it: their connect-time option is refused, so every tenant is scoped per transaction', async () => {
    const ownerUrl = await createDatabaseFromTemplate();
    const bouncer = await startPgBouncer({ serverUrl: ownerUrl, users: { [DEFAULT_APP_ROLE.user]: DEFAULT_APP_ROLE.password } });
    const url = bouncer.through(appDatabaseUrl(ownerUrl));
    const prisma = createPrismaClient({ url });
    const reasons: string[] = [];
    const database = new TenantDatabase({ shared: prisma, tenantPools: { url, onUnavailable: (reason) => reasons.push(reason) } });
    try {
      expect(await database.ready()).toBe(false);
      expect(reasons.join()).toMatch(/unsupported startup parameter: options/);
      const acme = demo.tenants.find((t) => t.slug === 'acme')!.id;
      const rows = await database.forTenant(acme).run((db) => db.product.findMany({ select: { tenantId: true } }));
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenantId))).toEqual(new Set([acme]));
    } finally {
      await database.disconnect();
      await prisma.$disconnect();
      await bouncer.stop();
    }
  });
});
