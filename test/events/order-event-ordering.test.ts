/**
 * "Events of one order are applied in order", on Redis: the ordered consumer in the notifications
 * group owns each tenant stream alone (a lease), handles pending entries first, and never applies an
 * entry before an earlier one of its stream, across replicas, failures and a dead consumer.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '../../lib/db/prisma-client';
import { streamKey, type DomainEvent } from '../../lib/events/domain-event';
import { deadLetterKey, leaseKey } from '../../lib/events/event-log';
import { OrderedConsumer } from '../../lib/events/ordered-consumer';
import type { OrderedConsumerOptions } from '../../lib/events/ordered-consumer-options';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { createLogger } from '../../lib/logger';
import { TenantDatabase } from '../../lib/db/tenant-database';
import { handleOrderEvent } from '../../subgraphs/notifications/notification/notification.service';
import { notificationsRepositories } from '../../subgraphs/notifications/notifications.context';
import { createTenantContext } from '../../subgraphs/shared/context';
import { OutboxRepository } from '../../subgraphs/shared/outbox.repository';
import { NOTIFICATIONS_GROUP } from '../../subgraphs/notifications/notification/order-event.consumer';
import { waitUntil } from '../support/processes';
import { flushAll, rawRedis, REDIS_BACKENDS, redisTarget } from '../support/redis-backends';
import { createDatabaseFromTemplate } from '../support/test-database';

const logger = createLogger('test', 'silent');
const STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED'] as const;

/** The burst of one order's life: placed, confirmed, shipped, delivered. */
function orderLife(tenantId: string, orderId: string = randomUUID(), number = 'ORD-TEST'): DomainEvent[] {
  return STATUSES.map((status, i): DomainEvent => ({
    id: randomUUID(),
    tenantId,
    topic: 'orders',
    type: i === 0 ? 'order.placed' : 'order.status_changed',
    subjectId: orderId,
    occurredAt: new Date().toISOString(),
    data: i === 0 ? { number, status } : { number, status, previousStatus: STATUSES[i - 1]! as string },
  }));
}

/** One handle call. */
interface Call {
  consumer: string;
  stream: string;
  orderId: string;
  status: string;
  start: number;
  end: number;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(REDIS_BACKENDS)('OrderedConsumer ordering on %s', (backend) => {
  let prisma: PrismaClient;
  let redis: Redis;
  const logs: RedisEventLog[] = [];
  let consumers: OrderedConsumer[] = [];

  /** A consumer on its own connection (a replica), recording every handle call into `calls`. */
  function replica(
    name: string,
    calls: Call[],
    handle: (event: DomainEvent) => Promise<unknown>,
    options: Partial<OrderedConsumerOptions> = {},
  ): { consumer: OrderedConsumer; log: RedisEventLog } {
    const log = new RedisEventLog(redisTarget(backend));
    logs.push(log);
    const settings: OrderedConsumerOptions = {
      topic: 'orders',
      group: NOTIFICATIONS_GROUP,
      logger,
      consumerName: name,
      refreshMs: 100,
      leaseMs: 1500,
      handleAttempts: 1,
      retryMs: 20,
      redeliverMs: 100,
      ...options,
    };
    const consumer = new OrderedConsumer(log, settings, async (event, entry) => {
      const call: Call = {
        consumer: name,
        stream: entry.stream,
        orderId: event.subjectId,
        status: event.data.status!,
        start: Date.now(),
        end: 0,
        ok: false,
      };
      calls.push(call);
      try {
        const outcome = await handle(event);
        call.ok = true;
        return outcome;
      } finally {
        call.end = Date.now();
      }
    });
    consumers.push(consumer);
    return { consumer, log };
  }

  /** Statuses successfully applied per order, in order of application. */
  function appliedPerOrder(calls: Call[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const c of [...calls].filter((c) => c.ok).sort((a, b) => a.end - b.end || a.start - b.start)) {
      out.set(c.orderId, [...(out.get(c.orderId) ?? []), c.status]);
    }
    return out;
  }

  beforeAll(async () => {
    prisma = createPrismaClient({ url: await createDatabaseFromTemplate() });
    redis = rawRedis(backend);
  });
  beforeEach(async () => {
    await flushAll(redis); // each test sees only its own streams, leases and members
  });
  afterEach(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    consumers = [];
    await Promise.all(logs.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    redis.disconnect();
    await prisma.$disconnect();
  });

  it('two replicas: each stream has one owner at a time, streams spread over both, and every order is applied in order', async () => {
    const tenants = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM tenants WHERE slug IN ('acme', 'globex') ORDER BY slug`;
    const realOrders = new Map<string, string>(); // tenant -> one of its seeded orders
    for (const { id } of tenants) {
      const [order] = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM orders WHERE tenant_id = ${id}::uuid LIMIT 1`;
      realOrders.set(id, order!.id);
    }
    // Two real tenants (notifications written to the database) and two synthetic ones.
    const tenantIds = [...realOrders.keys(), randomUUID(), randomUUID()];
    const streams = tenantIds.map((t) => streamKey(t, 'orders'));
    const calls: Call[] = [];
    const handle = async (event: DomainEvent): Promise<unknown> => {
      await sleep(Math.floor(Math.random() * 8)); // uneven handling times
      if (!realOrders.has(event.tenantId)) return 'created';
      const context = createTenantContext(
        new TenantDatabase({ shared: prisma }).forTenant(event.tenantId),
        notificationsRepositories,
        new OutboxRepository(),
        logger,
      );
      return handleOrderEvent(context, event);
    };
    // Per tenant: its real order (when it has one) and two more orders, their lives interleaved.
    const lives = tenantIds.map((t) => [
      orderLife(t, realOrders.get(t) ?? randomUUID(), 'ORD-A'),
      orderLife(t, randomUUID(), 'ORD-B'),
      orderLife(t, randomUUID(), 'ORD-C'),
    ]);
    const allEvents = lives.flat(2);
    const log = new RedisEventLog(redisTarget(backend));
    logs.push(log);
    for (const stream of streams) await log.groups.ensureGroup(stream, NOTIFICATIONS_GROUP);

    const a = replica('replica-a', calls, handle);
    const b = replica('replica-b', calls, handle);
    // Half of the events before the replicas start, the rest while they start and rebalance.
    let step = 0;
    const appendStep = async () => {
      for (const perTenant of lives) for (const life of perTenant) await log.streams.append(life[step]!);
      step++;
    };
    await appendStep();
    await appendStep();
    a.consumer.start();
    await waitUntil(() => a.consumer.ownedStreams().length > 0, 'A to take streams', 5000);
    b.consumer.start();
    await appendStep(); // while B joins
    await waitUntil(() => b.consumer.ownedStreams().length > 0, 'A to give streams back and B to take them', 5000);
    await appendStep();

    await waitUntil(() => calls.filter((c) => c.ok).length >= allEvents.length, 'every event to be applied', 10_000);
    // Applied once each (no redelivery: nothing failed), and in order per order.
    expect(calls.filter((c) => c.ok)).toHaveLength(allEvents.length);
    const applied = appliedPerOrder(calls);
    for (const life of lives.flat()) expect(applied.get(life[0]!.subjectId)).toEqual([...STATUSES]);

    // One owner at a time: per stream, no two handle calls of different replicas overlap, and
    // calls of the same stream never overlap at all.
    for (const stream of streams) {
      const own = calls.filter((c) => c.stream === stream).sort((x, y) => x.start - y.start);
      for (let i = 1; i < own.length; i++) expect(own[i]!.start).toBeGreaterThanOrEqual(own[i - 1]!.end);
    }
    // Spread: once balanced, each replica holds two streams, and Redis agrees.
    await waitUntil(
      () => a.consumer.ownedStreams().length === 2 && b.consumer.ownedStreams().length === 2,
      'the replicas to hold two streams each',
      5000,
    );
    expect(new Set([...a.consumer.ownedStreams(), ...b.consumer.ownedStreams()])).toEqual(new Set(streams));
    for (const stream of streams) {
      const holder = await redis.get(leaseKey(stream, NOTIFICATIONS_GROUP));
      const owner = a.consumer.ownedStreams().includes(stream) ? 'replica-a#' : 'replica-b#';
      expect(holder?.startsWith(owner)).toBe(true);
    }
    // The real tenants' notifications were created in the order of the order's life.
    for (const [tenantId, orderId] of realOrders) {
      const ids = lives[tenantIds.indexOf(tenantId)]![0]!.map((e) => e.id);
      const rows = await prisma.$queryRaw<Array<{ source_event_id: string }>>`
        SELECT source_event_id::text FROM notifications
        WHERE order_id = ${orderId}::uuid AND source_event_id = ANY(${ids}::uuid[])
        ORDER BY created_at, id`;
      expect(rows.map((r) => r.source_event_id)).toEqual(ids);
    }
    // Every entry acknowledged.
    for (const stream of streams) expect(((await redis.xpending(stream, NOTIFICATIONS_GROUP)) as [number])[0]).toBe(0);
  });

  it('a failing entry holds the later entries of its stream back until it succeeds; other streams keep flowing', async () => {
    const tenantId = randomUUID();
    const otherTenant = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    const life = orderLife(tenantId);
    const [, confirmed, shipped] = life;
    const failures = new Map([
      [confirmed!.id, 3],
      [shipped!.id, 1],
    ]);
    const calls: Call[] = [];
    const { consumer, log } = replica(
      'solo',
      calls,
      async (event) => {
        const left = failures.get(event.id) ?? 0;
        if (left > 0) {
          failures.set(event.id, left - 1);
          throw new Error(`transient failure of ${event.data.status}`);
        }
        return 'created';
      },
      // confirmed succeeds on its 4th delivery, shipped on its 2nd attempted one: counting the
      // deliveries shipped got while waiting behind confirmed would dead-letter it.
      { maxDeliveries: 4, redeliverMs: 300 },
    );
    await log.groups.ensureGroup(stream, NOTIFICATIONS_GROUP);
    await log.groups.ensureGroup(streamKey(otherTenant, 'orders'), NOTIFICATIONS_GROUP);
    for (const e of life) await log.streams.append(e);
    consumer.start();
    await waitUntil(() => calls.some((c) => c.status === 'CONFIRMED' && !c.ok), 'the first failure', 5000);
    // While confirmed waits for its next delivery, another tenant's order goes through.
    const other = orderLife(otherTenant);
    for (const e of other) await log.streams.append(e);
    await waitUntil(() => calls.filter((c) => c.ok).length === 8, 'both orders to be applied', 10_000);

    const confirmedOk = calls.find((c) => c.status === 'CONFIRMED' && c.orderId === confirmed!.subjectId && c.ok)!;
    const otherDone = calls.filter((c) => c.orderId === other[0]!.subjectId && c.ok);
    expect(otherDone).toHaveLength(4);
    expect(Math.max(...otherDone.map((c) => c.end))).toBeLessThan(confirmedOk.start);
    // The failing order: nothing after confirmed was even attempted before it succeeded.
    const sequence = calls.filter((c) => c.orderId === confirmed!.subjectId).map((c) => `${c.status}${c.ok ? '' : '!'}`);
    expect(sequence).toEqual(['PENDING', 'CONFIRMED!', 'CONFIRMED!', 'CONFIRMED!', 'CONFIRMED', 'SHIPPED!', 'SHIPPED', 'DELIVERED']);
    expect(appliedPerOrder(calls).get(confirmed!.subjectId)).toEqual([...STATUSES]);
    expect(await redis.xlen(deadLetterKey(stream))).toBe(0);
    expect(((await redis.xpending(stream, NOTIFICATIONS_GROUP)) as [number])[0]).toBe(0);
  });

  it('a consumer that dies holding pending entries: another takes the stream over when its lease lapses and applies them before newer ones', async () => {
    const tenantId = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    const life = orderLife(tenantId);
    const calls: Call[] = [];
    let unblock: (err: Error) => void = () => undefined;
    const stuck = new Promise<never>((_, reject) => (unblock = reject));
    // Replica A reads the whole burst, applies "placed", then hangs on "confirmed" and loses Redis
    // (its connection closed: no renewal, no release, no ack), like a crashed process.
    const a = replica('dying', calls, async (event) => (event.id === life[1]!.id ? stuck : 'created'), { leaseMs: 1000 });
    await a.log.groups.ensureGroup(stream, NOTIFICATIONS_GROUP);
    for (const e of life.slice(0, 3)) await a.log.streams.append(e);
    try {
      a.consumer.start();
      await waitUntil(() => calls.some((c) => c.status === 'CONFIRMED'), 'A to hang on confirmed', 5000);
      expect(a.consumer.ownedStreams()).toEqual([stream]);
      await a.log.close();
      const diedAt = Date.now();
      // A newer event arrives after the death; B starts while A's lease still holds.
      const log = new RedisEventLog(redisTarget(backend));
      logs.push(log);
      await log.streams.append(life[3]!);
      const pendingWithA = (await redis.xpending(stream, NOTIFICATIONS_GROUP, '-', '+', 10, 'dying')) as Array<[string]>;
      expect(pendingWithA.map(([id]) => id)).toHaveLength(2); // confirmed and shipped: read, never acked
      const holders: Array<string | null> = [];
      const b = replica(
        'survivor',
        calls,
        async () => {
          holders.push(await redis.get(leaseKey(stream, NOTIFICATIONS_GROUP)));
          return 'created';
        },
        { leaseMs: 1000 },
      );
      b.consumer.start();

      await waitUntil(() => calls.filter((c) => c.consumer === 'survivor' && c.ok).length === 3, 'B to apply the rest', 8000);
      const byB = calls.filter((c) => c.consumer === 'survivor');
      expect(byB.map((c) => c.status)).toEqual(['CONFIRMED', 'SHIPPED', 'DELIVERED']);
      // Only once B held the lease, so not before A's lapsed (1 s after A's last renewal).
      expect(holders.every((h) => h?.startsWith('survivor#'))).toBe(true);
      expect(byB[0]!.start).toBeGreaterThanOrEqual(diedAt);
      expect(b.consumer.ownedStreams()).toEqual([stream]);
      expect((await redis.get(leaseKey(stream, NOTIFICATIONS_GROUP)))?.startsWith('survivor#')).toBe(true);
      expect(((await redis.xpending(stream, NOTIFICATIONS_GROUP)) as [number])[0]).toBe(0);
    } finally {
      unblock(new Error('the dead consumer never finishes'));
    }
  });
});
