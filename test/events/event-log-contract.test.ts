/**
 * The event-log contract (./event-log.contract.ts) against both implementations: Redis (the real
 * redis-server of the global setup) and the in-process log. Both must answer the same.
 */
import { Redis } from 'ioredis';
import { MemoryEventLog } from '../../lib/events/memory/memory-event-log';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { describeEventLogContract } from './event-log.contract';

/** Raw client for the trim hook (`XTRIM ... MAXLEN = n`: exact, unlike the log's `MAXLEN ~`). */
let redis: Redis;
beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!);
});
afterAll(() => {
  redis.disconnect();
});

describeEventLogContract('RedisEventLog', (options) => ({
  log: new RedisEventLog(process.env.TEST_REDIS_URL!, options?.retention),
  async trim(stream, maxLen) {
    await redis.xtrim(stream, 'MAXLEN', '=', maxLen);
  },
}));

describeEventLogContract('MemoryEventLog', (options) => {
  const log = new MemoryEventLog(options?.retention);
  return {
    log,
    async trim(stream, maxLen) {
      log.trim(stream, maxLen);
    },
  };
});
