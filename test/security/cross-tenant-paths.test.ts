import { buildDemoData } from '../../lib/db/demo-data';
import { findDemoUser } from '../../lib/auth/dev-token';
import { createLogger } from '../../lib/logger';
import { MemoryEventLog } from '../../lib/events/memory/memory-event-log';
import { gatewayOptions } from '../../apps/gateway-options';
import { startGateway, type GatewayService } from '../../gateway/gateway.server';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const demo = buildDemoData();
const acme = findDemoUser('acme', 'owner@acme.test');
const globex = findDemoUser('globex', 'owner@globex.test');
const acmeProduct = demo.products.find((p) => p.tenantId === acme.tenantId && p.stock >= 100)!;
const globexPending = demo.orders.filter((o) => o.tenantId === globex.tenantId && o.status === 'PENDING').map((o) => o.id);

describe('cross-tenant paths', () => {
  let stack: TestStack;
  let acmeToken: string;
  let globexToken: string;
  beforeAll(async () => {
    // 60 aliased root fields in one query: above the default document limits, which this file is not about.
    stack = await startTestStack({
      eventLog: 'redis',
      config: (c) => ({ ...c, admission: { ...c.admission, limits: { ...c.admission.limits, maxAliases: 100, maxRootFields: 100 } } }),
    });
    acmeToken = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    globexToken = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
  });
  afterAll(() => stack.stop());

  it("Subscription.orderUpdated(id: <another tenant's order>) delivers nothing of that tenant's changes", async () => {
    // `targeted` and `all` share one connection and one execution key (the root arguments are not
    // part of the live query): whatever `targeted` could get from an entry of acme's stream is
    // executed with `all`'s execution of that entry and sent on the same socket, before `all`'s
    // result for any later entry.
    const acmeClient = stack.wsClient(acmeToken);
    const targeted = subscribe(acmeClient, 'subscription($id: ID) { orderUpdated(id: $id) { id status } }', { id: globexPending[0] });
    const all = subscribe(acmeClient, 'subscription { orderUpdated { id status } }');
    const owner = subscribe(stack.wsClient(globexToken), 'subscription($id: ID) { orderUpdated(id: $id) { id status } }', {
      id: globexPending[0],
    });
    await stack.waitForLiveSubscriptions(3);
    const res = await stack.gql(
      'mutation($id: ID!) { updateOrderStatus(id: $id, status: CONFIRMED) { id } }',
      { id: globexPending[0] },
      { token: globexToken },
    );
    expect(res.body.errors).toBeUndefined();
    // The owning tenant's subscriber receives it: the event did flow.
    await owner.waitFor(1);
    // A marker in acme's stream, after the change: once `all` has it, acme's subscribers have been
    // sent everything acme's stream carried before it.
    const marker = await stack.placeOrder(await stack.token({ tenant: 'acme', user: 'owner@acme.test' }), acmeProduct.id);
    const [first] = (await all.waitFor(1)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
    expect(first!.data.orderUpdated.id).toBe(marker.id);
    expect(all.messages).toHaveLength(1);
    expect(targeted.messages).toHaveLength(0);
  });

  it('per-request DataLoaders under concurrent requests of two tenants for the same ids return each caller only its own rows', async () => {
    const ids = demo.products.slice(0, 80).map((p) => p.id); // both tenants' products
    const ownerOf = new Map(demo.products.map((p) => [p.id, p.tenantId]));
    const query = `query($ids: [ID!]!) { ${ids.map((_, i) => `p${i}: product(id: $ids_${i}) { id }`).join(' ')} }`.replace(
      'query($ids: [ID!]!)',
      `query(${ids.map((_, i) => `$ids_${i}: ID!`).join(', ')})`,
    );
    const variables = Object.fromEntries(ids.map((id, i) => [`ids_${i}`, id]));
    const callers = Array.from({ length: 30 }, (_, i) =>
      i % 2 === 0 ? { token: acmeToken, tenantId: acme.tenantId } : { token: globexToken, tenantId: globex.tenantId },
    );
    const results = await Promise.all(
      callers.map((c) => stack.gql<Record<string, { id: string } | null>>(query, variables, { token: c.token })),
    );
    results.forEach((res, i) => {
      expect(res.body.errors).toBeUndefined();
      const tenantId = callers[i]!.tenantId;
      ids.forEach((id, k) => {
        const value = res.body.data![`p${k}`];
        if (ownerOf.get(id) === tenantId) expect(value).toEqual({ id });
        else expect(value).toBeNull();
      });
    });
  });
});

describe('gateway with an unreachable subgraph', () => {
  let stack: TestStack;
  let gateway: GatewayService;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    gateway = await startGateway({
      ...gatewayOptions(stack.config),
      subgraphUrls: { ...stack.subgraphUrls, notifications: 'http://127.0.0.1:9/graphql' },
      eventStreams: new MemoryEventLog().streams,
      logger: createLogger('test', 'silent'),
      port: 0,
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await stack.stop();
  });

  it('answers INTERNAL_SERVER_ERROR without the subgraph URL, name or response, and still serves the other subgraphs', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const post = (query: string) => stack.post<{ tenant?: { slug: string } }>(gateway.url, { query }, { authorization: `Bearer ${token}` });
    const res = await post('{ notifications(first: 1) { unreadCount } }');
    expect(res.body.errors?.[0]).toMatchObject({ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect((await post('{ tenant { slug } }')).body.data?.tenant).toEqual({ slug: 'acme' });
    expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|:9\/|notifications subgraph|ECONNREFUSED|fetch failed|serviceName|stack/i);
  });
});
