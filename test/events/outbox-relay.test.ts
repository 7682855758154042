import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '../../lib/db/prisma-client';
import { streamKey, type DomainEvent } from '../../lib/events/domain-event';
import type { EventStreams } from '../../lib/events/event-log';
import { OutboxRelay } from '../../lib/events/outbox-relay';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { createLogger } from '../../lib/logger';
import { TenantDatabase } from '../../lib/db/tenant-database';
import { OutboxRepository } from '../../subgraphs/shared/outbox.repository';
import { createDatabaseFromTemplate } from '../support/test-database';

const tenantId = randomUUID();
const logger = createLogger('test', 'silent');

describe('OutboxRelay', () => {
  let prisma: PrismaClient;
  let eventLog: RedisEventLog;
  let redis: Redis;

  beforeAll(async () => {
    prisma = createPrismaClient({ url: await createDatabaseFromTemplate() });
    eventLog = new RedisEventLog(process.env.TEST_REDIS_URL!);
    redis = new Redis(process.env.TEST_REDIS_URL!);
    await redis.flushall();
  });
  afterAll(async () => {
    await eventLog.close();
    redis.disconnect();
    await prisma.$disconnect();
  });

  const outbox = new OutboxRepository();
  /** Writes `n` order events in one committed unit of work of the test tenant. */
  const write = (n: number) =>
    new TenantDatabase({ shared: prisma }).forTenant(tenantId).transaction(async (uow) => {
      const events: DomainEvent[] = [];
      for (let i = 0; i < n; i++) {
        events.push(
          await outbox.append(uow, { topic: 'orders', type: 'order.placed', subjectId: randomUUID(), data: { number: `ORD-${i}` } }),
        );
      }
      return events;
    });

  it('publishes nothing for a rolled-back transaction', async () => {
    await expect(
      new TenantDatabase({ shared: prisma }).forTenant(tenantId).transaction(async (uow) => {
        await outbox.append(uow, { topic: 'orders', type: 'order.placed', subjectId: randomUUID(), data: {} });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const relay = new OutboxRelay(prisma, eventLog.streams, logger);
    expect(await relay.publishBatch()).toBe(0);
    expect(await redis.xlen(streamKey(tenantId, 'orders'))).toBe(0);
  });

  it('publishes committed events in commit order and marks them published', async () => {
    const events = await write(5);
    const relay = new OutboxRelay(prisma, eventLog.streams, logger);
    expect(await relay.publishBatch()).toBe(5);
    const entries = await eventLog.streams.read(streamKey(tenantId, 'orders'), '0');
    expect(entries.map((e) => e.event.id)).toEqual(events.map((e) => e.id));
    expect(await prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
    expect(await relay.publishBatch()).toBe(0);
  });

  it('lets several relays drain the outbox together without publishing an event twice, keeping the tenant stream in commit order', async () => {
    await redis.del(streamKey(tenantId, 'orders'));
    const events = await write(300);
    const relays = [1, 2, 3].map(() => new OutboxRelay(prisma, eventLog.streams, logger, { batchSize: 20, pollMs: 20 }));
    relays.forEach((r) => r.start());
    const deadline = Date.now() + 20_000;
    while ((await prisma.outboxEvent.count({ where: { publishedAt: null } })) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(relays.map((r) => r.stop()));
    const ids = (await eventLog.streams.read(streamKey(tenantId, 'orders'), '0', { count: 1000 })).map((e) => e.event.id);
    expect(ids).toHaveLength(300);
    // One relay at a time per tenant (advisory lock): the stream keeps commit order.
    expect(ids).toEqual(events.map((e) => e.id));
  });

  it('start: a kick while a batch is being published is not lost; the rows committed meanwhile go out at once, not at the next poll', async () => {
    await redis.del(streamKey(tenantId, 'orders'));
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let appending!: () => void;
    const firstAppending = new Promise<void>((resolve) => (appending = resolve));
    let appends = 0;
    // The first append waits until the test has committed and kicked: the batch is in flight then.
    const streams: Pick<EventStreams, 'append'> = {
      append: async (event) => {
        if (appends++ === 0) {
          appending();
          await firstHeld;
        }
        return eventLog.streams.append(event);
      },
    };
    const relay = new OutboxRelay(prisma, streams, logger, { pollMs: 60_000 });
    const [first] = await write(1);
    relay.start();
    try {
      await firstAppending;
      const [second] = await write(1);
      relay.kick();
      releaseFirst();
      const deadline = Date.now() + 10_000; // well under the 60 s poll
      let ids: string[] = [];
      while (ids.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        ids = (await eventLog.streams.read(streamKey(tenantId, 'orders'), '0')).map((e) => e.event.id);
      }
      expect(ids).toEqual([first!.id, second!.id]);
    } finally {
      await relay.stop();
    }
  });

  it('keeps events in the outbox while the event log is unreachable, and publishes them once it is back', async () => {
    const events = await write(2);
    const unreachable = new RedisEventLog('redis://127.0.0.1:1');
    const relay = new OutboxRelay(prisma, unreachable.streams, logger);
    await expect(relay.publishBatch()).rejects.toThrow();
    await unreachable.close();
    expect(await prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(2);
    expect(await new OutboxRelay(prisma, eventLog.streams, logger).publishBatch()).toBe(2);
    const last = await eventLog.streams.read(streamKey(tenantId, 'orders'), '0', { count: 1000 });
    expect(last.slice(-2).map((e) => e.event.id)).toEqual(events.map((e) => e.id));
  });

  it('publishBatch: a connection terminated between publish and mark fails the batch, not the process; the rows go out again', async () => {
    await redis.del(streamKey(tenantId, 'orders'));
    const events = await write(2);
    const relay = new OutboxRelay(prisma, eventLog.streams, logger, {
      // The relay's own connection is the one idle in a transaction (same role: allowed to signal it).
      afterPublish: async () => {
        await prisma.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`;
      },
    });
    await expect(relay.publishBatch()).rejects.toThrow();
    expect(await prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(2);
    expect(await new OutboxRelay(prisma, eventLog.streams, logger).publishBatch()).toBe(2);
    const ids = (await eventLog.streams.read(streamKey(tenantId, 'orders'), '0')).map((e) => e.event.id);
    // Published twice (the mark was lost), in order both times: consumers drop the duplicates by event id.
    expect(ids).toEqual([...events, ...events].map((e) => e.id));
  });

  it("publishBatch: two statements per batch, claimed or empty, each reported to the client's onQuery", async () => {
    const statements: string[] = [];
    const counted = createPrismaClient({ url: await createDatabaseFromTemplate(), onQuery: (sql) => statements.push(sql) });
    try {
      const relay = new OutboxRelay(counted, eventLog.streams, logger);
      expect(await relay.publishBatch()).toBe(0);
      expect(statements).toHaveLength(2);
      expect(statements[1]).toBe('COMMIT');
      await new TenantDatabase({ shared: counted }).forTenant(tenantId).transaction(async (uow) => {
        await outbox.append(uow, { topic: 'orders', type: 'order.placed', subjectId: randomUUID(), data: {} });
      });
      statements.length = 0;
      expect(await relay.publishBatch()).toBe(1);
      expect(statements).toHaveLength(2);
      expect(statements[1]).toMatch(/^UPDATE outbox SET published_at/);
    } finally {
      await counted.$disconnect();
    }
  });
});
