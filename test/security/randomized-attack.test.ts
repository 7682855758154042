import { findDemoUser } from '../../lib/auth/dev-token';
import { buildDemoData } from '../../lib/db/demo-data';
import { TestCredentials } from '../support/credentials';
import { tenantTablesChecksum } from '../support/database-state';
import { startTestStack, type TestStack } from '../support/test-stack';
import { prng } from '../support/prng';

const demo = buildDemoData();
const users = { A: findDemoUser('acme', 'owner@acme.test'), B: findDemoUser('globex', 'owner@globex.test') };
type Who = keyof typeof users;
const owners = new Map<string, string>([
  ...demo.orders.map((o) => [o.id, o.tenantId] as const),
  ...demo.products.map((p) => [p.id, p.tenantId] as const),
  ...demo.notifications.map((n) => [n.id, n.tenantId] as const),
]);
const ids = (who: Who) => ({
  orders: demo.orders.filter((o) => o.tenantId === users[who].tenantId).map((o) => o.id),
  products: demo.products.filter((p) => p.tenantId === users[who].tenantId).map((p) => p.id),
  notifications: demo.notifications.filter((n) => n.tenantId === users[who].tenantId).map((n) => n.id),
});

/** Every UUID-shaped string anywhere in a response. */
function uuidsIn(value: unknown): string[] {
  return JSON.stringify(value).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
}

describe('randomized cross-tenant attack: 2 tenants × 400 mixed concurrent requests', () => {
  let stack: TestStack;
  let credentials: TestCredentials;
  const SEED = Number(process.env.ATTACK_SEED ?? 20261122);
  const checksum = () => tenantTablesChecksum(stack.sql);
  beforeAll(async () => {
    // 400 concurrent requests in one burst: budgets and queues far above it, since this file is about
    // isolation (test/security/rate-limits.test.ts is about the limits); plans are read on first use.
    stack = await startTestStack({
      eventLog: 'memory',
      config: (c) => ({
        ...c,
        admission: {
          ...c.admission,
          user: { requestsPerMinute: 1_000_000, costPerMinute: 100_000_000 },
          planningQueuePerTenant: 10_000,
          maxQueuedPerTenant: 10_000,
        },
      }),
    });
    await stack.sql("UPDATE tenants SET plan = 'enterprise'");
    credentials = new TestCredentials(stack.config.internalSecret!);
  });
  afterAll(() => stack.stop());

  it(`every returned id belongs to the caller, the database is unchanged (seed ${process.env.ATTACK_SEED ?? 20261122})`, async () => {
    const random = prng(SEED);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const tokens = {
      A: await stack.token({ tenant: 'acme', user: users.A.email }),
      B: await stack.token({ tenant: 'globex', user: users.B.email }),
    };
    const before = await checksum();
    type Attack = () => Promise<{ who: Who; kind: string; body: unknown }>;
    const attacks: Attack[] = [];
    for (let i = 0; i < 400; i++) {
      const who: Who = random() < 0.5 ? 'A' : 'B';
      const other: Who = who === 'A' ? 'B' : 'A';
      const mine = ids(who);
      const theirs = ids(other);
      const anyId = (k: keyof ReturnType<typeof ids>) => (random() < 0.5 ? pick(mine[k]) : pick(theirs[k]));
      const gql =
        (kind: string, query: string, headers: Record<string, string> = {}) =>
        async () => ({
          who,
          kind,
          body: (await stack.gql(query, {}, { token: tokens[who], headers })).body,
        });
      const r = Math.floor(random() * 8);
      if (r === 0)
        attacks.push(
          gql(
            'lists',
            '{ orders(first: 100) { edges { node { id lines { product { id } } placedBy { id } } } } products(first: 100) { edges { node { id } } } notifications(first: 100) { edges { node { id order { id } } } } }',
          ),
        );
      else if (r === 1) attacks.push(gql('order by id', `{ order(id: "${anyId('orders')}") { id lines { product { id } } } }`));
      else if (r === 2) attacks.push(gql('product by id', `{ product(id: "${anyId('products')}") { id } }`));
      else if (r === 3) attacks.push(gql('notification by id', `{ notification(id: "${anyId('notifications')}") { id order { id } } }`));
      else if (r === 4)
        attacks.push(
          gql(
            'foreign mutation',
            pick([
              `mutation { updateOrderStatus(id: "${pick(theirs.orders)}", status: CANCELLED) { id } }`,
              `mutation { updateProduct(id: "${pick(theirs.products)}", input: { stock: 0 }) { id } }`,
              `mutation { markNotificationRead(id: "${pick(theirs.notifications)}") { id } }`,
              `mutation { placeOrder(input: { lines: [{ productId: "${pick(theirs.products)}", quantity: 1 }] }) { id } }`,
            ]),
          ),
        );
      else if (r === 5)
        attacks.push(
          gql('header spoofing', '{ tenant { id } orders(first: 5) { edges { node { id } } } }', {
            'x-tenant-id': users[other].tenantId,
            'x-user-id': users[other].id,
          }),
        );
      else {
        const [subgraph, typename] = pick([
          ['orders', 'Order'],
          ['catalog', 'Product'],
          ['notifications', 'Notification'],
        ] as const);
        const key = typename === 'Order' ? 'orders' : typename === 'Product' ? 'products' : 'notifications';
        const representations = Array.from({ length: 5 }, () => ({ __typename: typename, id: anyId(key) }));
        attacks.push(async () => ({
          who,
          kind: `_entities ${typename}`,
          body: (
            await stack.post(
              stack.subgraphUrls[subgraph],
              {
                query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id } } }`,
                variables: { r: representations },
              },
              await credentials.headers(subgraph, {
                tenant: users[who].tenantSlug,
                user: users[who].email,
                scopes: ['orders:write', 'catalog:write'],
              }),
            )
          ).body,
        }));
      }
    }
    const results = await Promise.all(attacks.map((a) => a()));
    const leaks: string[] = [];
    const ownRows = { A: 0, B: 0 };
    for (const { who, kind, body } of results) {
      for (const id of uuidsIn((body as { data?: unknown }).data ?? null)) {
        if (owners.get(id) === users[who].tenantId) ownRows[who]++;
        const owner =
          owners.get(id) ??
          (id === users.A.tenantId || id === users.A.id
            ? users.A.tenantId
            : id === users.B.tenantId || id === users.B.id
              ? users.B.tenantId
              : undefined);
        if (owner !== undefined && owner !== users[who].tenantId) leaks.push(`${who} ${kind}: ${id}`);
      }
      const errors = (body as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? [];
      expect(errors.filter((e) => e.extensions?.code !== 'NOT_FOUND')).toEqual([]);
    }
    expect(leaks).toEqual([]);
    expect(results.filter((r) => r.kind === 'lists').length).toBeGreaterThan(0);
    // Positive control: the attacks did return data, so an empty-leak list is not vacuous.
    expect(ownRows.A).toBeGreaterThan(0);
    expect(ownRows.B).toBeGreaterThan(0);
    expect(await checksum()).toEqual(before);
  }, 120_000);
});
