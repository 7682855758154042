/**
 * Fan-out cost through the real gateway: identical subscribers share one execution per event. The
 * SharedExecutor's own rules (the concurrency cap, sharing per key and entry) are unit tests
 * (test/unit/gateway/shared-executor.test.ts).
 */
import { subscriptionMetrics } from '../../gateway/subscriptions/shared-executor';
import { startTestStack, subscribe, sleep, type TestStack } from '../support/test-stack';

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }';
const SHARED = 'subscription Shared { orderUpdated { id number status lines { quantity product { name } } } }';

describe('subscription fan-out', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
  });
  afterAll(() => stack.stop());

  it('SubscriptionBridge: N identical subscribers (same tenant, scopes, document, variables) cause one execution per event', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    // 12 subscribers share one key (same scopes: the staff user on 12 connections); the owner has
    // other scopes, so a second key.
    const same = Array.from({ length: 12 }, () => subscribe(stack.wsClient(staff), SHARED));
    const other = subscribe(stack.wsClient(owner), SHARED);
    await sleep(500);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0012'");
    const before = subscriptionMetrics.executions;
    const sharedBefore = subscriptionMetrics.shared;
    for (let i = 0; i < 3; i++) {
      const res = await stack.gql(PLACE, { input: { lines: [{ productId: p!.id, quantity: 1 }] } }, { token: owner });
      expect(res.body.errors).toBeUndefined();
    }
    for (const probe of [...same, other]) await probe.waitFor(3);
    await sleep(300);
    // 3 events x 2 keys; the 11 other staff subscribers reused the first one's result.
    expect(subscriptionMetrics.executions - before).toBe(6);
    expect(subscriptionMetrics.shared - sharedBefore).toBe(3 * 11);
    const first = JSON.stringify(same[0]!.messages);
    for (const probe of same) expect(JSON.stringify(probe.messages)).toBe(first);
  });
});
