/**
 * The notifications consumer through the Redis consumer group: reclaiming entries a dead consumer
 * left pending, and dead-lettering entries that keep failing.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '../../lib/db/prisma-client';
import { streamKey, type DomainEvent } from '../../lib/events/domain-event';
import { deadLetterKey } from '../../lib/events/event-log';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { createLogger } from '../../lib/logger';
import { NOTIFICATIONS_GROUP, OrderEventConsumer } from '../../subgraphs/notifications/notification/order-event.consumer';
import { waitUntil } from '../support/processes';
import { createDatabaseFromTemplate } from '../support/test-database';

const logger = createLogger('test', 'silent');

function orderEvent(tenantId: string, subjectId: string = randomUUID()): DomainEvent {
  return {
    id: randomUUID(),
    tenantId,
    topic: 'orders',
    type: 'order.placed',
    subjectId,
    occurredAt: new Date().toISOString(),
    data: { number: 'ORD-TEST', status: 'PENDING' },
  };
}

describe('OrderEventConsumer', () => {
  let prisma: PrismaClient;
  let eventLog: RedisEventLog;
  let redis: Redis;
  let consumer: OrderEventConsumer | undefined;

  beforeAll(async () => {
    prisma = createPrismaClient({ url: await createDatabaseFromTemplate() });
    eventLog = new RedisEventLog(process.env.TEST_REDIS_URL!);
    redis = new Redis(process.env.TEST_REDIS_URL!);
    await redis.flushall();
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });
  afterAll(async () => {
    await eventLog.close();
    redis.disconnect();
    await prisma.$disconnect();
  });

  it('pending first: takes over the entries a dead consumer left pending and acknowledges them once handled', async () => {
    const tenantId = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    await eventLog.groups.ensureGroup(stream, NOTIFICATIONS_GROUP);
    const events = [orderEvent(tenantId), orderEvent(tenantId)];
    for (const e of events) await eventLog.streams.append(e);
    // A consumer reads both entries, then dies without acknowledging.
    expect(await eventLog.groups.readGroup(NOTIFICATIONS_GROUP, 'dead-consumer', [stream])).toHaveLength(2);

    const handled: string[] = [];
    consumer = new OrderEventConsumer({
      prisma,
      eventLog,
      logger,
      consumerName: 'survivor',
      refreshMs: 100,
      handle: async (event) => {
        handled.push(event.id);
        return 'created';
      },
    });
    consumer.start();
    await waitUntil(() => handled.length === 2, 'the stale entries to be handled', 10_000);
    expect(handled).toEqual(events.map((e) => e.id));
    await waitUntil(async () => ((await redis.xpending(stream, NOTIFICATIONS_GROUP)) as [number])[0] === 0, 'the acks', 5000);
  });

  it('deadLetter: moves an entry that fails on its maxDeliveries-th delivery to the dead-letter stream with the reason, and acks it', async () => {
    const tenantId = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    const good = orderEvent(tenantId);
    const poison = orderEvent(tenantId);
    const attempts = new Map<string, number>();
    consumer = new OrderEventConsumer({
      prisma,
      eventLog,
      logger,
      consumerName: 'dlq-test',
      refreshMs: 100,
      maxDeliveries: 3,
      handleAttempts: 1,
      retryMs: 20,
      redeliverMs: 50,
      handle: async (event) => {
        attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
        if (event.id === poison.id) throw new Error('boom: cannot handle');
        return 'created';
      },
    });
    await eventLog.streams.append(poison);
    await eventLog.streams.append(good);
    consumer.start();
    await waitUntil(async () => (await redis.xlen(deadLetterKey(stream))) === 1, 'the dead letter', 10_000);
    const entries = (await redis.xrange(deadLetterKey(stream), '-', '+')) as Array<[string, string[]]>;
    const fields = entries[0]![1];
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    expect(record.reason).toBe('boom: cannot handle');
    expect(record.group).toBe(NOTIFICATIONS_GROUP);
    expect((JSON.parse(record.event!) as DomainEvent).id).toBe(poison.id);
    expect(attempts.get(poison.id)).toBe(3);
    expect(attempts.get(good.id)).toBe(1);
    expect(((await redis.xpending(stream, NOTIFICATIONS_GROUP)) as [number])[0]).toBe(0);
  });

  it('handleOrderEvent through the consumer: a duplicated event (relay crash) creates one notification', async () => {
    const [acme] = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM tenants WHERE slug = 'acme'`;
    const [order] = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM orders WHERE tenant_id = ${acme!.id}::uuid LIMIT 1`;
    const event = orderEvent(acme!.id, order!.id);
    await eventLog.streams.append(event);
    await eventLog.streams.append(event);
    consumer = new OrderEventConsumer({ prisma, eventLog, logger, consumerName: 'dup-test', refreshMs: 100 });
    consumer.start();
    const stream = streamKey(acme!.id, 'orders');
    await waitUntil(
      async () => {
        const [n] = (await redis.xpending(stream, NOTIFICATIONS_GROUP).catch(() => [1])) as [number];
        const info = (await redis.xinfo('GROUPS', stream)) as unknown[][];
        const lag = info[0]?.[info[0].indexOf('lag') + 1];
        return n === 0 && lag === 0;
      },
      'both copies to be consumed',
      10_000,
    );
    const rows = await prisma.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM notifications WHERE source_event_id = ${event.id}::uuid`;
    expect(rows[0]!.n).toBe(1);
  });
});
