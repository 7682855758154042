import type { EventLog } from './event-log';
import { MemoryEventLog } from './memory/memory-event-log';
import { RedisEventLog } from './redis/redis-event-log';

/**
 * The event log for this process: Redis Streams when `redisUrl` is set, otherwise the in-process
 * log (which only works when every service runs in this one process).
 * @param retention entries kept per stream (approximately on Redis, `MAXLEN ~`).
 */
export function createEventLog(redisUrl: string | undefined, retention: number): EventLog {
  return redisUrl ? new RedisEventLog(redisUrl, retention) : new MemoryEventLog(retention);
}
