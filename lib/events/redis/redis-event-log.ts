/**
 * The event log on Redis Streams (ioredis): the three slices over one set of connections
 * (./redis-connection.ts). Needs Redis 7.0 or later (`XAUTOCLAIM` with deleted ids, `XINFO STREAM`'s
 * `recorded-first-entry-id`).
 */
import type { EventLog } from '../event-log';
import { RedisConnection, type RedisTarget } from './redis-connection';
import { RedisConsumerGroups } from './redis-consumer-groups';
import { RedisEventLogStats } from './redis-event-log-stats';
import { RedisEventStreams, type AppendDurability } from './redis-event-streams';
import { RedisStreamLeases } from './redis-stream-leases';

/** See module doc. */
export class RedisEventLog implements EventLog {
  readonly kind = 'redis' as const;
  readonly streams: RedisEventStreams;
  readonly groups: RedisConsumerGroups;
  readonly leases: RedisStreamLeases;
  readonly stats: RedisEventLogStats;
  private readonly connection: RedisConnection;

  /**
   * Connects lazily (ioredis); commands wait for the connection.
   * @param target a Redis URL (for example `redis://localhost:6379`), or where Redis is (one server,
   *   or the seed nodes of a Redis Cluster).
   * @param retention approximate entries kept per stream and per dead-letter stream (`MAXLEN ~`).
   * @param durability replicas each append waits for (Redis `WAIT`); none by default.
   */
  constructor(target: string | RedisTarget, retention = 10_000, durability?: AppendDurability) {
    this.connection = new RedisConnection(typeof target === 'string' ? { url: target } : target);
    this.streams = new RedisEventStreams(this.connection, retention, durability);
    this.groups = new RedisConsumerGroups(this.connection, retention);
    this.leases = new RedisStreamLeases(this.connection);
    this.stats = new RedisEventLogStats(this.connection, this.streams);
  }

  /** Closes every connection; blocking reads in progress return no entries, later commands reject. */
  close(): Promise<void> {
    return this.connection.close();
  }
}
