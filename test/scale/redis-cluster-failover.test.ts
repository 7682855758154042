/**
 * The event path on a real Redis Cluster (three masters, one replica each, on loopback) while the
 * master serving a tenant's streams is killed in the middle of a burst of orders: its replica takes
 * over, and still every committed order event reaches every subscriber once, each order's events in
 * order, and every event becomes exactly one notification. Appends wait for one replica
 * (`REDIS_WAIT_REPLICAS=1`), so an event the outbox relay counted as published survives the
 * failover; one it could not confirm is published again from the outbox (a duplicate at worst,
 * dropped by event id).
 */
import { randomUUID } from 'node:crypto';
import { streamKey, type DomainEvent } from '../../lib/events/domain-event';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { waitUntil } from '../support/processes';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster';
import { resumableSubscribe, type ResumableSubscription } from '../support/resumable-subscription';
import { startTestStack, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription ($after: String) { orderUpdated(after: $after) { id status } }';
const STATUS = 'mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status } }';

describe('Redis Cluster failover during a burst of orders', () => {
  let cluster: RedisCluster;
  let stack: TestStack;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    stack = await startTestStack({
      eventLog: 'cluster',
      redisClusterNodes: cluster.seeds,
      config: (c) => ({ ...c, events: { ...c.events, redisWaitReplicas: 1, redisWaitTimeoutMs: 500 } }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
  });

  it('loses no event: every subscriber gets every order event once, in order per order, and one notification per event', async () => {
    const tenants = ['acme', 'globex'] as const;
    const owners = {
      acme: await stack.token({ tenant: 'acme', user: 'owner@acme.test' }),
      globex: await stack.token({ tenant: 'globex', user: 'owner@globex.test' }),
    };
    const staff = { acme: await stack.token({ tenant: 'acme', user: 'staff@acme.test' }), globex: owners.globex };
    const products = {
      acme: (await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0014'"))[0]!.id,
      globex: (await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'GLOBEX-0014'"))[0]!.id,
    };
    const [acme] = await stack.sql<{ id: string }>("SELECT id FROM tenants WHERE slug = 'acme'");
    const subscribers: Record<(typeof tenants)[number], ResumableSubscription> = {
      acme: resumableSubscribe(stack.wsUrl, staff.acme, ORDER_UPDATED),
      globex: resumableSubscribe(stack.wsUrl, staff.globex, ORDER_UPDATED),
    };
    await stack.waitForLiveSubscriptions(2);

    // The burst: each tenant places orders and confirms every other one; the master serving acme's
    // streams is killed a third of the way through.
    const expected: Record<string, Array<{ id: string; status: string }>> = { acme: [], globex: [] };
    const burst = async (tenant: (typeof tenants)[number]) => {
      for (let i = 0; i < 15; i++) {
        const order = await stack.placeOrder(owners[tenant], products[tenant]);
        expected[tenant]!.push({ id: order.id, status: 'PENDING' });
        if (i % 2 === 0) {
          const res = await stack.gql(STATUS, { id: order.id, status: 'CONFIRMED' }, { token: owners[tenant] });
          expect(res.body.errors).toBeUndefined();
          expected[tenant]!.push({ id: order.id, status: 'CONFIRMED' });
        }
      }
    };
    const victim = await cluster.masterOf(streamKey(acme!.id, 'orders'));
    const killing = (async () => {
      await waitUntil(() => expected.acme!.length >= 8, 'a third of the burst');
      await victim.kill();
    })();
    await Promise.all([burst('acme'), burst('globex'), killing]);
    await cluster.waitForFailover(streamKey(acme!.id, 'orders'), victim); // the replica took over
    await victim.restart(); // it rejoins as a replica of the new master

    for (const tenant of tenants) {
      const want = expected[tenant]!;
      const messages = await subscribers[tenant].waitFor(want.length, 60_000);
      const got = messages.map((m) => (m.data as { orderUpdated: { id: string; status: string } }).orderUpdated);
      // One message per event (the gateway drops republished duplicates by event id), each with its own cursor...
      expect(got).toHaveLength(want.length);
      expect(new Set(messages.map((m) => m.extensions?.cursor)).size).toBe(want.length);
      const perOrder = (list: Array<{ id: string }>) =>
        Object.fromEntries([...new Set(list.map((o) => o.id))].map((id) => [id, list.filter((o) => o.id === id).length]));
      expect(perOrder(got)).toEqual(perOrder(want));
      // ... and each order's events in order: a message shows the order as it is when the event is
      // executed, so its statuses never go back (never CONFIRMED, then PENDING).
      for (const id of new Set(want.map((o) => o.id))) {
        const statuses = got.filter((o) => o.id === id).map((o) => o.status);
        expect(statuses).toEqual([...statuses].sort((x, y) => (x === y ? 0 : x === 'PENDING' ? -1 : 1)));
      }
    }
    // Every event became exactly one notification (the consumer group survived the failover).
    const orderIds = [...new Set([...expected.acme!, ...expected.globex!].map((o) => o.id))];
    const events = expected.acme!.length + expected.globex!.length;
    const notified = async () =>
      (await stack.sql<{ n: number }>('SELECT count(*)::int AS n FROM notifications WHERE order_id = ANY($1::uuid[])', [orderIds]))[0]!.n;
    await waitUntil(async () => (await notified()) >= events, 'a notification per event', 60_000, 200);
    expect(await notified()).toBe(events);
    for (const s of Object.values(subscribers)) {
      expect(s.errors).toEqual([]);
      await s.dispose();
    }
  }, 180_000);

  it('an append waits for a replica of its own master (WAIT on the connection that wrote), and reports a shortfall when it is frozen', async () => {
    const shortfalls: Array<{ stream: string; acked: number }> = [];
    const log = new RedisEventLog({ clusterNodes: cluster.seedNodes }, 1000, {
      replicas: 1,
      timeoutMs: 300,
      onShortfall: (info) => shortfalls.push(info),
    });
    const tenantId = randomUUID();
    const event = (): DomainEvent => ({
      id: randomUUID(),
      tenantId,
      topic: 'orders',
      type: 'order.placed',
      subjectId: randomUUID(),
      occurredAt: new Date().toISOString(),
      data: {},
    });
    const stream = streamKey(tenantId, 'orders');
    try {
      await log.streams.append(event());
      expect(shortfalls).toEqual([]);
      const replica = await cluster.replicaOf(stream);
      replica.pause();
      try {
        const id = await log.streams.append(event());
        expect(shortfalls).toEqual([{ stream, entryId: id, acked: 0 }]);
        expect((await log.streams.read(stream, '0')).map((e) => e.id)).toContain(id); // it stands
      } finally {
        replica.resume();
      }
    } finally {
      await log.close();
    }
  });
});
