/**
 * Fair live updates through the real gateway: subscription executions are served per tenant in
 * turn, so a tenant holding hundreds of distinct subscriptions delays its own deliveries, not
 * another tenant's; and subscriptions that differ only in aliases, field order, fragments or
 * operation names share one execution, each subscriber getting its own shape.
 */
import { subscriptionMetrics } from '../../gateway/subscriptions/shared-executor';
import { startTestStack, subscribe, type SubscriptionProbe, type TestStack } from '../support/test-stack';

/** Order fields to combine into distinct selections (2^9 subsets). */
const FIELDS = [
  'number',
  'status',
  'createdAt',
  'updatedAt',
  'total { amount }',
  'total { currency }',
  'lines { quantity }',
  'lines { unitPrice { amount } }',
  'placedBy { name }',
];
const distinct = (i: number) => `subscription { orderUpdated { id ${FIELDS.filter((_, k) => (i >> k) & 1).join(' ')} } }`;
const A_SUBSCRIPTIONS = 200;

describe('fair subscription executions', () => {
  let stack: TestStack;
  let acme: string;
  let globex: string;
  let acmeProduct: string;
  let globexProduct: string;

  beforeAll(async () => {
    // Two execution slots in the process, at most one per tenant: A's backlog cannot take both.
    // Opening 200 subscriptions at once is 200 operations: budgets above that (rate-limits.test.ts tests them).
    stack = await startTestStack({
      eventLog: 'redis',
      subscriptions: { maxConcurrentExecutions: 2, maxExecutionsPerTenant: 1, maxOperationsPerConnection: 500 },
      config: (c) => ({
        ...c,
        admission: { ...c.admission, user: { requestsPerMinute: 100_000, costPerMinute: 10_000_000 }, planningQueuePerTenant: 1_000 },
      }),
    });
    await stack.sql("UPDATE tenants SET plan = 'enterprise'");
    acme = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    globex = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    acmeProduct = (await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0020'"))[0]!.id;
    globexProduct = (await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'GLOBEX-0020'"))[0]!.id;
  });
  afterAll(() => stack.stop());

  it(`delivers tenant B's update while tenant A's ${A_SUBSCRIPTIONS} distinct subscriptions are still being executed`, async () => {
    const client = stack.wsClient(acme);
    const a: SubscriptionProbe[] = Array.from({ length: A_SUBSCRIPTIONS }, (_, i) => subscribe(client, distinct(i + 1)));
    const b = subscribe(stack.wsClient(globex), 'subscription { orderUpdated { id status } }');
    await stack.waitForLiveSubscriptions(A_SUBSCRIPTIONS + 1);
    const before = subscriptionMetrics.executions;
    await stack.placeOrder(acme, acmeProduct);
    await stack.placeOrder(globex, globexProduct);
    await b.waitFor(1, 30_000);
    const aDelivered = a.filter((p) => p.messages.length > 0).length;
    // Served in turn, B waited for at most one of A's executions, not for A's backlog.
    expect(aDelivered).toBeLessThan(A_SUBSCRIPTIONS / 2);
    await Promise.all(a.map((p) => p.waitFor(1, 60_000)));
    expect(subscriptionMetrics.executions - before).toBe(A_SUBSCRIPTIONS + 1);
    for (const p of [...a, b]) p.unsubscribe();
    await stack.waitForLiveSubscriptions(0);
  });

  it('shares one execution among subscriptions that differ only in aliases, field order, fragments and operation names', async () => {
    const documents = [
      'subscription { orderUpdated { id status number } }',
      'subscription Mine { orderUpdated { number status id } }',
      'subscription { mine: orderUpdated { n: number s: status id } }',
      'subscription Frag { orderUpdated { ...F id } } fragment F on Order { status number }',
      'subscription { orderUpdated { id ... on Order { number } status } }',
    ];
    const client = stack.wsClient(acme);
    const probes = documents.map((d) => subscribe(client, d));
    await stack.waitForLiveSubscriptions(documents.length);
    const before = subscriptionMetrics.executions;
    const order = await stack.placeOrder(acme, acmeProduct);
    const messages = await Promise.all(probes.map(async (p) => (await p.waitFor(1))[0]!.data));
    expect(subscriptionMetrics.executions - before).toBe(1);
    expect(messages).toEqual([
      { orderUpdated: { id: order.id, status: 'PENDING', number: order.number } },
      { orderUpdated: { number: order.number, status: 'PENDING', id: order.id } },
      { mine: { n: order.number, s: 'PENDING', id: order.id } },
      { orderUpdated: { status: 'PENDING', number: order.number, id: order.id } },
      { orderUpdated: { id: order.id, number: order.number, status: 'PENDING' } },
    ]);
    expect(Object.keys((messages[1] as { orderUpdated: object }).orderUpdated)).toEqual(['number', 'status', 'id']);
    for (const p of probes) p.unsubscribe();
    await stack.waitForLiveSubscriptions(0);
  });
});
