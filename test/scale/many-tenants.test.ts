/**
 * Ten thousand tenants in one database (scripts/seed-many-tenants.ts), with dashboard traffic
 * spread over a thousand of them at once through the real gateway and subgraphs: every answer is
 * the caller's own tenant's and error-free, and the app role never holds more PostgreSQL
 * connections than the process's budget (tenant pools leased, least recently used closed, the rest
 * per transaction on the shared pool). The latency comparison with two tenants is the benchmark's
 * (bench/tenants.bench.ts).
 */
import { devTokenSettings, signDevToken } from '../../lib/auth/dev-token';
import { TENANT_SCOPES } from '../../lib/db/demo-data';
import { SCALE_PRODUCTS, seedManyTenants, type ScaleTenant } from '../../scripts/seed-many-tenants';
import { sampleAppConnections, SMALL_BUDGET, withSmallConnectionBudget } from '../support/connection-sampler';
import { startTestStack, type TestStack } from '../support/test-stack';

const TENANTS = 10_000;
const ACTIVE = 1_000;
const REQUESTS_PER_TENANT = 2;
const CONCURRENCY = 48;
const BUDGET = SMALL_BUDGET; // shared pool 6 + 2 tenant pools of 4

const QUERY = /* GraphQL */ `
  query ScaleDashboard {
    me {
      email
    }
    tenant {
      id
      slug
    }
    products(first: 5) {
      totalCount
      edges {
        node {
          sku
        }
      }
    }
    orders(first: 5) {
      totalCount
    }
    notifications(first: 5) {
      unreadCount
    }
  }
`;

interface ScaleDashboard {
  me: { email: string };
  tenant: { id: string; slug: string };
  products: { totalCount: number; edges: Array<{ node: { sku: string } }> };
  orders: { totalCount: number };
  notifications: { unreadCount: number };
}

describe(`${TENANTS} tenants, traffic over ${ACTIVE} of them at once`, () => {
  let stack: TestStack;
  let tenants: ScaleTenant[];

  beforeAll(async () => {
    stack = await startTestStack({
      eventLog: 'memory',
      config: withSmallConnectionBudget,
    });
    tenants = await seedManyTenants((text, params) => stack.sql(text, params), TENANTS);
  }, 60_000);
  afterAll(() => stack.stop());

  it('seeds every tenant with its owner and products', async () => {
    const [counts] = await stack.sql<{ tenants: number; users: number; products: number }>(
      "SELECT (SELECT count(*)::int FROM tenants WHERE slug LIKE 'scale-%') AS tenants, (SELECT count(*)::int FROM users WHERE email LIKE 'owner@scale-%') AS users, (SELECT count(*)::int FROM products WHERE sku LIKE 'SCALE-%') AS products",
    );
    expect(counts).toEqual({ tenants: TENANTS, users: TENANTS, products: TENANTS * SCALE_PRODUCTS });
  });

  it(`answers ${ACTIVE * REQUESTS_PER_TENANT} dashboard requests of ${ACTIVE} tenants, ${CONCURRENCY} at a time: each its own tenant's, no error, within ${BUDGET} connections`, async () => {
    const settings = devTokenSettings(stack.config.jwt);
    const active = tenants.filter((t) => t.n % (TENANTS / ACTIVE) === 0);
    const tokens = await Promise.all(
      active.map((t) => signDevToken({ tenantId: t.id, userId: t.userId, email: t.email, scope: TENANT_SCOPES.join(' ') }, settings)),
    );
    const work = active.flatMap((t, i) => Array.from({ length: REQUESTS_PER_TENANT }, () => ({ tenant: t, token: tokens[i]! })));
    const wrong: string[] = [];
    const sampler = sampleAppConnections(stack.sql, 25);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < work.length) {
          const { tenant, token } = work[next++]!;
          const res = await stack.gql<ScaleDashboard>(QUERY, {}, { token });
          const data = res.body.data;
          const own =
            res.status === 200 &&
            !res.body.errors &&
            data?.tenant.id === tenant.id &&
            data.me.email === tenant.email &&
            data.products.totalCount === SCALE_PRODUCTS &&
            data.products.edges.every((e) => e.node.sku.startsWith('SCALE-')) &&
            data.orders.totalCount === 0;
          if (!own) wrong.push(`${tenant.slug}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        }
      }),
    );
    const peak = await sampler.stop();
    expect(wrong).toEqual([]);
    expect(peak).toBeLessThanOrEqual(BUDGET);
    const stats = stack.database.poolStats!;
    expect(stats.open).toBeLessThanOrEqual(2);
    expect(stats.evicted + stats.overflow).toBeGreaterThan(0);
  }, 180_000);
});
