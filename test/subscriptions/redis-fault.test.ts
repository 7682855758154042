/**
 * Redis stopped and restarted during a burst of orders: writes keep committing (events wait in the
 * outbox), the API stays up, and once Redis is back every subscriber receives every committed order,
 * once, in order. Uses its own redis-server (with append-only persistence, as a production Redis),
 * not the one shared by the other test files. Runs with `READINESS_REDIS_CRITICAL=false`: `/readyz`
 * is `degraded` (200) while Redis is down.
 */
import { waitUntil } from '../support/processes';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription { orderUpdated { id status } }';
const NOTIFICATION_ADDED = 'subscription { notificationAdded { order { id } } }';

describe('Redis outage during a burst of orders', () => {
  let redis: RedisServer;
  let stack: TestStack;

  beforeAll(async () => {
    redis = await startRedisServer(undefined, { persistent: true });
    stack = await startTestStack({
      eventLog: 'redis',
      redisUrl: redis.url,
      // Operators who keep queries and mutations served during a Redis outage (the default is `not ready`).
      config: (c) => ({ ...c, observability: { ...c.observability, readinessRedisCritical: false } }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
  });

  it('event path: stop and restart Redis mid-burst; delivered = committed per subscriber, in order, no duplicate', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const orders = [subscribe(stack.wsClient(staff), ORDER_UPDATED), subscribe(stack.wsClient(owner), ORDER_UPDATED)];
    const notifications = subscribe(stack.wsClient(staff), NOTIFICATION_ADDED);
    await stack.waitForLiveSubscriptions(3);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0013'");
    const committed: string[] = [];
    const placeOne = async () => {
      committed.push((await stack.placeOrder(owner, p!.id)).id);
    };

    for (let i = 0; i < 4; i++) await placeOne();
    await redis.stop();
    // Redis is down (stop() waited for its exit): the API keeps committing; the events of these
    // orders cannot be published, so they wait in the outbox.
    for (let i = 0; i < 4; i++) await placeOne();
    const duringOutage = committed.slice(4);
    const [waiting] = await stack.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND type = 'order.placed' AND payload->>'subjectId' = ANY($1)",
      [duringOutage],
    );
    expect(waiting!.n).toBe(4);
    // Readiness names Redis while it is down, degraded but still 200: the API answered the orders above.
    const readyz = () => fetch(stack.gatewayUrl.replace('/graphql', '/readyz'));
    const health = await readyz();
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded', failing: ['redis'] });
    await redis.restart();
    await waitUntil(async () => ((await (await readyz()).json()) as { status: string }).status === 'ready', 'ready again', 15_000, 50);
    for (let i = 0; i < 4; i++) await placeOne();
    await placeOne(); // a marker: streams are delivered in order, so it arrives after everything before it

    for (const probe of orders) {
      const messages = (await probe.waitFor(13, 30_000)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(committed);
    }
    const notes = (await notifications.waitFor(13, 30_000)) as unknown as Array<{ data: { notificationAdded: { order: { id: string } } } }>;
    expect(notes.map((m) => m.data.notificationAdded.order.id).sort()).toEqual([...committed].sort());
  });
});
