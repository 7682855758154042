/**
 * The event log on Redis Streams (ioredis): the three slices over one set of connections
 * (./redis-connection.ts). Needs Redis 7.0 or later (`XAUTOCLAIM` with deleted ids, `XINFO STREAM`'s
 * `recorded-first-entry-id`).
 */
import type { EventLog } from '../event-log';
import { RedisConnection } from './redis-connection';
import { RedisConsumerGroups } from './redis-consumer-groups';
import { RedisEventLogStats } from './redis-event-log-stats';
import { RedisEventStreams } from './redis-event-streams';
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
   * @param url Redis URL, for example `redis://localhost:6379`.
   * @param retention approximate entries kept per stream and per dead-letter stream (`MAXLEN ~`).
   */
  constructor(url: string, retention = 10_000) {
    this.connection = new RedisConnection(url);
    this.streams = new RedisEventStreams(this.connection, retention);
    this.groups = new RedisConsumerGroups(this.connection, retention);
    this.leases = new RedisStreamLeases(this.connection);
    this.stats = new RedisEventLogStats(this.connection, this.streams);
  }

  /** Closes every connection; blocking reads in progress return no entries, later commands reject. */
  close(): Promise<void> {
    return this.connection.close();
  }
}
