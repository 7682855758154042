/**
 * The ordered consumer on Redis, through the consumer group `notifications`: taking over the
 * entries a dead consumer left pending, dead-lettering entries that keep failing, dropping events of
 * another tenant; and the notifications binding with the real handler.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '../../lib/db/prisma-client';
import { TenantDatabase } from '../../lib/db/tenant-database';
import { streamKey, type DomainEvent } from '../../lib/events/domain-event';
import { deadLetterKey } from '../../lib/events/event-log';
import type { EventHandler } from '../../lib/events/entry-processor';
import { OrderedConsumer } from '../../lib/events/ordered-consumer';
import type { OrderedConsumerOptions } from '../../lib/events/ordered-consumer-options';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { createLogger } from '../../lib/logger';
import { createOrderEventConsumer, NOTIFICATIONS_GROUP } from '../../subgraphs/notifications/notification/order-event.consumer';
import { OutboxRepository } from '../../subgraphs/shared/outbox.repository';
import { waitForGroupDrained } from '../support/event-waits';
import { waitUntil } from '../support/processes';
import { flushAll, rawRedis, REDIS_BACKENDS, redisTarget } from '../support/redis-backends';
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

describe.each(REDIS_BACKENDS)('OrderedConsumer on %s', (backend) => {
  let eventLog: RedisEventLog;
  let redis: Redis;
  let consumer: { stop(): Promise<void> } | undefined;

  /** A consumer of `orders` in the `notifications` group with a test handler. */
  function start(name: string, handler: EventHandler, options: Partial<OrderedConsumerOptions> = {}): void {
    const c = new OrderedConsumer(
      eventLog,
      { topic: 'orders', group: NOTIFICATIONS_GROUP, consumerName: name, logger, refreshMs: 100, ...options },
      handler,
    );
    consumer = c;
    c.start();
  }
  const pending = async (stream: string) => ((await redis.xpending(stream, NOTIFICATIONS_GROUP)) as [number])[0];

  beforeAll(async () => {
    eventLog = new RedisEventLog(redisTarget(backend));
    redis = rawRedis(backend);
    await flushAll(redis); // the consumers read every `orders` stream: none left by other files
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });
  afterAll(async () => {
    await eventLog.close();
    redis.disconnect();
  });

  it('takes over the entries a dead consumer left pending, handles them first and acknowledges them', async () => {
    const tenantId = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    await eventLog.groups.ensureGroup(stream, NOTIFICATIONS_GROUP);
    const events = [orderEvent(tenantId), orderEvent(tenantId)];
    for (const e of events) await eventLog.streams.append(e);
    // A consumer reads both entries, then dies without acknowledging; a newer entry follows.
    expect(await eventLog.groups.readGroup(NOTIFICATIONS_GROUP, 'dead-consumer', [stream])).toHaveLength(2);
    const newer = orderEvent(tenantId);
    await eventLog.streams.append(newer);

    const handled: string[] = [];
    start('survivor', async (event, entry) => entry.stream === stream && handled.push(event.id));
    await waitUntil(() => handled.length === 3, 'the entries to be handled', 10_000);
    expect(handled).toEqual([...events, newer].map((e) => e.id));
    await waitUntil(async () => (await pending(stream)) === 0, 'the acks', 5000);
  });

  it('moves an entry that fails on its maxDeliveries-th delivery to the dead-letter stream with the reason, and acks it', async () => {
    const tenantId = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    const good = orderEvent(tenantId);
    const poison = orderEvent(tenantId);
    const attempts = new Map<string, number>();
    await eventLog.streams.append(poison);
    await eventLog.streams.append(good);
    const handler: EventHandler = async (event) => {
      attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
      if (event.id === poison.id) throw new Error('boom: cannot handle');
    };
    start('dlq-test', handler, { maxDeliveries: 3, handleAttempts: 1, retryMs: 20, redeliverMs: 50 });
    await waitUntil(async () => (await redis.xlen(deadLetterKey(stream))) === 1, 'the dead letter', 10_000);
    const entries = (await redis.xrange(deadLetterKey(stream), '-', '+')) as Array<[string, string[]]>;
    const fields = entries[0]![1];
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    expect(record.reason).toBe('boom: cannot handle');
    expect(record.group).toBe(NOTIFICATIONS_GROUP);
    expect((JSON.parse(record.event!) as DomainEvent).id).toBe(poison.id);
    await waitUntil(() => attempts.get(good.id) === 1, 'the entry after the poison one', 5000);
    expect(attempts.get(poison.id)).toBe(3);
    await waitUntil(async () => (await pending(stream)) === 0, 'the acks', 5000);
    expect(attempts.get(good.id)).toBe(1);
  });

  it("acknowledges and drops, unhandled, an event whose tenant is not its stream's", async () => {
    const tenantId = randomUUID();
    const stream = streamKey(tenantId, 'orders');
    const foreign = orderEvent(randomUUID());
    const own = orderEvent(tenantId);
    // Written past the event log (which always appends to the event's own tenant stream).
    await redis.xadd(stream, '*', 'event', JSON.stringify(foreign));
    await eventLog.streams.append(own);
    const handled: string[] = [];
    start('tenant-check', async (event) => handled.push(event.id));
    await waitUntil(() => handled.includes(own.id), 'the own event to be handled', 10_000);
    await waitUntil(async () => (await pending(stream)) === 0, 'the acks', 5000);
    expect(handled).not.toContain(foreign.id);
  });
});

describe('createOrderEventConsumer', () => {
  let prisma: PrismaClient;
  let eventLog: RedisEventLog;

  beforeAll(async () => {
    prisma = createPrismaClient({ url: await createDatabaseFromTemplate() });
    eventLog = new RedisEventLog(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    await eventLog.close();
    await prisma.$disconnect();
  });

  it('turns order events into notifications with handleOrderEvent: a duplicated event (relay crash) creates one', async () => {
    const [acme] = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM tenants WHERE slug = 'acme'`;
    const [order] = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM orders WHERE tenant_id = ${acme!.id}::uuid LIMIT 1`;
    const event = orderEvent(acme!.id, order!.id);
    await eventLog.streams.append(event);
    await eventLog.streams.append(event);
    const consumer = createOrderEventConsumer({
      database: new TenantDatabase({ shared: prisma }),
      eventLog,
      outbox: new OutboxRepository(),
      logger,
      consumerName: 'dup-test',
      refreshMs: 100,
    });
    consumer.start();
    try {
      await waitForGroupDrained(process.env.TEST_REDIS_URL!, streamKey(acme!.id, 'orders'), NOTIFICATIONS_GROUP, 10_000);
    } finally {
      await consumer.stop();
    }
    const rows = await prisma.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM notifications WHERE source_event_id = ${event.id}::uuid`;
    expect(rows[0]!.n).toBe(1);
  });
});
