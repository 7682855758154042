/**
 * Redis stopped and restarted during a burst of orders: writes keep committing (events wait in the
 * outbox), the API stays up, and once Redis is back every subscriber receives every committed order,
 * once, in order. Uses its own redis-server (with append-only persistence, as a production Redis),
 * not the one shared by the other test files.
 */
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTestStack, subscribe, sleep, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription { orderUpdated { id status } }';
const NOTIFICATION_ADDED = 'subscription { notificationAdded { order { id } } }';
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';

describe('Redis outage during a burst of orders', () => {
  let redis: RedisServer;
  let stack: TestStack;

  beforeAll(async () => {
    redis = await startRedisServer(undefined, { persistent: true });
    stack = await startTestStack({ eventLog: 'redis', redisUrl: redis.url });
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
    await sleep(500);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0013'");
    const committed: string[] = [];
    const placeOne = async () => {
      const res = await stack.gql<{ placeOrder: { id: string } }>(
        PLACE,
        { input: { lines: [{ productId: p!.id, quantity: 1 }] } },
        { token: owner },
      );
      expect(res.body.errors).toBeUndefined();
      committed.push(res.body.data!.placeOrder.id);
    };

    for (let i = 0; i < 4; i++) await placeOne();
    await redis.stop();
    // Redis is down: the API keeps committing; the events wait in the outbox.
    for (let i = 0; i < 4; i++) await placeOne();
    await sleep(1200);
    const [waiting] = await stack.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    expect(waiting!.n).toBeGreaterThan(0);
    const health = await fetch(stack.gatewayUrl.replace('/graphql', '/readyz'));
    expect(health.status).toBe(200);
    await redis.restart();
    for (let i = 0; i < 4; i++) await placeOne();

    for (const probe of orders) {
      const messages = (await probe.waitFor(12, 30_000)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(committed);
    }
    const notes = (await notifications.waitFor(12, 30_000)) as unknown as Array<{ data: { notificationAdded: { order: { id: string } } } }>;
    expect(new Set(notes.map((m) => m.data.notificationAdded.order.id))).toEqual(new Set(committed));
    await sleep(800);
    for (const probe of orders) expect(probe.messages).toHaveLength(12);
    expect(notifications.messages).toHaveLength(12);
  });
});
