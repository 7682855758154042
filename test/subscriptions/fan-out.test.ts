/**
 * Fan-out cost: identical subscribers share one execution per event; executions per process are
 * capped; duplicates of an event are dropped per subscriber.
 */
import type { ExecutionResult } from 'graphql';
import { SharedExecutor, executionKey, subscriptionMetrics } from '../../gateway/subscriptions/shared-executor';
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

describe('SharedExecutor', () => {
  const result = (n: number): ExecutionResult => ({ data: { n } });

  it('execute: runs at most maxConcurrent executions at once, the others wait for a slot', async () => {
    const executor = new SharedExecutor({ maxConcurrent: 3, share: false });
    let running = 0;
    let peak = 0;
    const runs = Array.from({ length: 20 }, (_, i) =>
      executor.execute('k', `${i}-0`, async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return result(i);
      }),
    );
    const results = await Promise.all(runs);
    expect(peak).toBe(3);
    expect(results.map((r) => r?.data?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('execute: shares one execution per key and entry; another key or entry runs again', async () => {
    const executor = new SharedExecutor();
    let runs = 0;
    const run = async () => result(++runs);
    const a = await Promise.all([executor.execute('k1', '1-0', run), executor.execute('k1', '1-0', run)]);
    expect(a[0]).toBe(a[1]);
    await executor.execute('k2', '1-0', run);
    await executor.execute('k1', '2-0', run);
    expect(runs).toBe(3);
  });

  it('executionKey: ignores variable order and scope order, separates tenants', () => {
    expect(executionKey('t', ['b', 'a'], 'q', { x: 1, y: 2 })).toBe(executionKey('t', ['a', 'b'], 'q', { y: 2, x: 1 }));
    expect(executionKey('t', [], 'q', {})).not.toBe(executionKey('u', [], 'q', {}));
  });
});
