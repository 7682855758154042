import type { EventLog } from './event-log';
import { MemoryEventLog } from './memory/memory-event-log';
import { RedisEventLog } from './redis/redis-event-log';
import type { AppendDurability } from './redis/redis-event-streams';

/** Options of {@link createEventLog}: where Redis is (if anywhere), retention and durability. */
export interface EventLogOptions {
  /** One Redis server. */
  redisUrl?: string;
  /** The seed nodes of a Redis Cluster (instead of `redisUrl`). */
  redisClusterNodes?: ReadonlyArray<{ host: string; port: number }>;
  /** Entries kept per stream (approximately on Redis, `MAXLEN ~`). */
  retention: number;
  /** Replicas each append waits for on Redis (`WAIT`); none by default. */
  durability?: AppendDurability;
}

/**
 * The event log for this process: Redis Streams on a Redis Cluster or one Redis server when either
 * is configured, otherwise the in-process log (which only works when every service runs in this one process).
 */
export function createEventLog(options: EventLogOptions): EventLog {
  if (options.redisClusterNodes?.length) {
    return new RedisEventLog({ clusterNodes: options.redisClusterNodes }, options.retention, options.durability);
  }
  if (options.redisUrl) return new RedisEventLog({ url: options.redisUrl }, options.retention, options.durability);
  return new MemoryEventLog(options.retention);
}
