/**
 * Fan-out cost through the real gateway: identical subscribers share one execution per event. The
 * SharedExecutor's own rules (the concurrency cap, sharing per key and entry) are unit tests
 * (test/unit/gateway/shared-executor.test.ts).
 */
import { subscriptionMetrics } from '../../gateway/subscriptions/shared-executor';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const SHARED = 'subscription Shared { orderUpdated { id number status lines { quantity product { name } } } }';
/** The same fields in another order and an alias: the same execution, its own shape. */
const ALIASED = 'subscription Mine { orderUpdated { status lines { product { name } quantity } number ref: id } }';

describe('subscription fan-out', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
  });
  afterAll(() => stack.stop());

  it('LiveSubscriptions: N identical subscribers (same tenant, scopes, document, variables) cause one execution per event', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    // 12 subscribers share one key (same scopes: the staff user on 12 connections); the owner has
    // other scopes, so a second key.
    const same = Array.from({ length: 12 }, () => subscribe(stack.wsClient(staff), SHARED));
    const other = subscribe(stack.wsClient(owner), SHARED);
    const aliased = subscribe(stack.wsClient(staff), ALIASED);
    await stack.waitForLiveSubscriptions(14);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0012'");
    const before = subscriptionMetrics.executions;
    const sharedBefore = subscriptionMetrics.shared;
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) placed.push((await stack.placeOrder(owner, p!.id)).id);
    // Each subscription executes its entries one at a time, in stream order: once every subscriber
    // has the last order, every execution of the four events has completed and nothing else came.
    for (const probe of [...same, other]) {
      const messages = (await probe.waitFor(4)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(placed);
    }
    const mine = (await aliased.waitFor(4)) as unknown as Array<{ data: { orderUpdated: Record<string, unknown> } }>;
    expect(mine.map((m) => m.data.orderUpdated.ref)).toEqual(placed);
    expect(Object.keys(mine[0]!.data.orderUpdated)).toEqual(['status', 'lines', 'number', 'ref']);
    // 4 events x 2 keys; the 11 other staff subscribers and the aliased one reused the first one's result.
    expect(subscriptionMetrics.executions - before).toBe(8);
    expect(subscriptionMetrics.shared - sharedBefore).toBe(4 * 12);
    const first = JSON.stringify(same[0]!.messages);
    for (const probe of same) expect(JSON.stringify(probe.messages)).toBe(first);
  });
});
