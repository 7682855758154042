/**
 * What only the Redis implementation meets: entries written to a stream by something else than the
 * event log, whose payload is not an event. (The shared behaviour is in ./event-log.contract.ts.)
 */
import { Redis } from 'ioredis';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { appendEvents, freshStream } from './contract-fixtures';

describe('RedisConsumerGroups', () => {
  let log: RedisEventLog;
  let redis: Redis;

  beforeAll(() => {
    log = new RedisEventLog(process.env.TEST_REDIS_URL!);
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    await log.close();
    redis.disconnect();
  });

  /** Appends an entry whose payload is not an event; returns its id. */
  const appendMalformed = async (stream: string, fields: string[]) => (await redis.xadd(stream, '*', ...fields)) as string;

  it('readGroup moves entries whose payload is not an event to the dead-letter stream and delivers the others', async () => {
    const { tenantId, stream } = freshStream();
    await log.groups.ensureGroup(stream, 'g');
    const notJson = await appendMalformed(stream, ['event', '{not json']);
    const good = await appendEvents(log, tenantId, 1);
    const noEvent = await appendMalformed(stream, ['something', 'else']);
    const read = await log.groups.readGroup('g', 'a', [stream]);
    expect(read.map((e) => e.entry.id)).toEqual(good.ids);
    const letters = await log.groups.deadLetters(stream);
    expect(letters.map(({ entryId, reason, group, event }) => ({ entryId, reason, group, event }))).toEqual([
      { entryId: notJson, reason: 'malformed entry', group: 'g', event: undefined },
      { entryId: noEvent, reason: 'malformed entry', group: 'g', event: undefined },
    ]);
    // Acknowledged with the dead-lettering; only the good entry is pending.
    expect((await log.groups.claimPending('g', 'b', [stream], 0)).map((e) => e.entry.id)).toEqual(good.ids);
  });

  it('claimPending dead-letters malformed pending entries and goes on past them to count entries', async () => {
    const { tenantId, stream } = freshStream();
    await log.groups.ensureGroup(stream, 'g');
    const bad = [await appendMalformed(stream, ['event', '42']), await appendMalformed(stream, ['event', 'null'])];
    const good = await appendEvents(log, tenantId, 2);
    // A consumer that does not check payloads leaves them all pending.
    await redis.xreadgroup('GROUP', 'g', 'raw', 'STREAMS', stream, '>');
    const claimed = await log.groups.claimPending('g', 'b', [stream], 0, { count: 2 });
    expect(claimed.map((e) => e.entry.id)).toEqual(good.ids);
    expect(claimed.map((e) => e.deliveries)).toEqual([2, 2]);
    expect((await log.groups.deadLetters(stream)).map((d) => d.entryId)).toEqual(bad);
  });
});
