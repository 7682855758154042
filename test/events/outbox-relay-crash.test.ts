/**
 * A relay process killed (SIGKILL) between publishing a batch and marking it published: the next
 * relay publishes the same rows again, and every subscriber still receives each committed event
 * once, in commit order.
 *
 * The relay under test works on its own copy of the seeded template (same order ids as the stack's
 * database, since demo ids are name-based), so it is the only relay of that outbox and the crash
 * happens deterministically; the stack's gateway resolves the orders from its own database.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { streamKey } from '../../lib/events/domain-event';
import { spawnTsx, waitUntil } from '../support/processes';
import { createDatabaseFromTemplate } from '../support/test-database';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription ($after: String) { orderUpdated(after: $after) { id number } }';

describe('outbox relay process: kill -9 between publish and mark', () => {
  let stack: TestStack;
  let relayDb: Client;
  let relayDbUrl: string;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
    relayDbUrl = await createDatabaseFromTemplate();
    relayDb = new Client({ connectionString: relayDbUrl });
    await relayDb.connect();
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    redis.disconnect();
    await relayDb.end();
    await stack.stop();
  });

  it('republishes the batch after the crash, and each subscriber receives every committed event once, in order', async () => {
    const [acme] = await stack.sql<{ id: string }>("SELECT id FROM tenants WHERE slug = 'acme'");
    const orders = await stack.sql<{ id: string; number: string }>('SELECT id, number FROM orders WHERE tenant_id = $1 ORDER BY number', [
      acme!.id,
    ]);
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const stream = streamKey(acme!.id, 'orders');
    // Subscribe from the stream's current end: whenever the subscriptions attach, they get every later entry.
    const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    const after = { after: last?.[0] ?? '0' };
    const subscribers = [subscribe(stack.wsClient(staff), ORDER_UPDATED, after), subscribe(stack.wsClient(owner), ORDER_UPDATED, after)];

    // Commit 8 events, in one transaction, into the relay's outbox.
    const subjects = [...orders, ...orders].slice(0, 8).map((o) => o.id);
    await relayDb.query('BEGIN');
    for (const subjectId of subjects) {
      const event = {
        id: randomUUID(),
        tenantId: acme!.id,
        topic: 'orders',
        type: 'order.status_changed',
        subjectId,
        occurredAt: new Date().toISOString(),
        data: { number: 'n/a', status: 'CONFIRMED', previousStatus: 'PENDING' },
      };
      await relayDb.query('INSERT INTO outbox (id, tenant_id, topic, type, payload) VALUES ($1, $2, $3, $4, $5)', [
        event.id,
        event.tenantId,
        event.topic,
        event.type,
        JSON.stringify(event),
      ]);
    }
    await relayDb.query('COMMIT');
    const before = await redis.xlen(stream);

    const env = {
      RELAY_PORT: '0',
      DATABASE_URL: relayDbUrl,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      RELAY_POLL_MS: '50',
    };
    const crashing = spawnTsx('apps/relay.main.ts', { ...env, RELAY_CRASH_AFTER_PUBLISH: '1' });
    const crashed = await crashing.exited;
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashing.output()).toContain('relay crashing after publishing 8');
    // Published but not marked: the transaction died with the process.
    expect(await redis.xlen(stream)).toBe(before + 8);
    const [unpublished] = (await relayDb.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows;
    expect(unpublished.n).toBe(8);

    const second = spawnTsx('apps/relay.main.ts', env);
    try {
      await waitUntil(
        async () => (await relayDb.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0,
        'the second relay to publish',
      );
    } finally {
      await second.kill('SIGTERM');
    }
    // Each event is in the stream twice: the duplicates consumers must drop.
    expect(await redis.xlen(stream)).toBe(before + 16);

    for (const probe of subscribers) {
      const messages = (await probe.waitFor(8)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(subjects);
    }
    // A marker appended after the 16 entries: a subscriber handles its stream in order, so once the
    // marker arrives every duplicate before it has been seen (and dropped).
    const marker = { id: randomUUID(), tenantId: acme!.id, topic: 'orders' as const, type: 'order.status_changed' as const };
    await stack.eventLog.streams.append({ ...marker, subjectId: orders[0]!.id, occurredAt: new Date().toISOString(), data: {} });
    for (const probe of subscribers) {
      const messages = (await probe.waitFor(9)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual([...subjects, orders[0]!.id]);
    }
  });
});
