/**
 * A subscription whose stream cannot be read (Redis unreachable) fails within seconds with a clear
 * `SERVICE_UNAVAILABLE`, instead of waiting without an answer: a resume (`after:`) and a new live
 * subscription alike; the gateway's `/readyz` answers 503 `not ready` naming Redis meanwhile (the
 * default, `READINESS_REDIS_CRITICAL`; test/subscriptions/redis-fault.test.ts runs with it off), and
 * is `ready` again after.
 * Uses its own redis-server, stopped mid-test.
 */
import { waitUntil } from '../support/processes';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const RESUME = 'subscription($after: String) { orderUpdated(after: $after) { id } }';

describe('subscriptions while Redis is unreachable', () => {
  let redis: RedisServer;
  let stack: TestStack;

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startTestStack({ eventLog: 'redis', redisUrl: redis.url });
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
  });

  it('fails a resume and a new subscription within seconds with SERVICE_UNAVAILABLE; /readyz is not ready naming redis until it is back', async () => {
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const first = subscribe(stack.wsClient(owner), RESUME);
    await stack.waitForLiveSubscriptions(1);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0014'");
    await stack.placeOrder(owner, p!.id);
    const [message] = await first.waitFor(1);
    const cursor = (message!.extensions as { cursor: string }).cursor;
    first.unsubscribe();
    await stack.waitForLiveSubscriptions(0);

    await redis.stop();
    const readyz = () => fetch(stack.gatewayUrl.replace('/graphql', '/readyz'));
    const report = async () => (await readyz()).json() as Promise<{ status: string; failing: string[] }>;
    await waitUntil(async () => (await report()).status === 'not ready', '/readyz not ready', 10_000);
    const unready = await readyz();
    expect(unready.status).toBe(503);
    expect(await unready.json()).toMatchObject({ status: 'not ready', failing: ['redis'] });

    for (const variables of [{ after: cursor }, {}]) {
      const started = Date.now();
      const probe = subscribe(stack.wsClient(owner), RESUME, variables);
      const outcome = await Promise.race([probe.waitFor(1, 20_000).then(() => probe.messages[0]), probe.ended]);
      const errors = Array.isArray(outcome) ? outcome : (outcome as { errors?: unknown[] }).errors;
      expect(errors).toEqual([expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE' } })]);
      expect(Date.now() - started).toBeLessThan(10_000);
    }

    await redis.restart();
    await waitUntil(async () => (await report()).status === 'ready', '/readyz ready', 15_000);
  });
});
