/**
 * {@link EventLogStats} on Redis: `PING`, and per stream of a topic `XINFO GROUPS` (Redis 7: `lag`
 * and `pending` of each group) plus `XLEN` of its dead-letter stream: in one pipeline on one
 * server; on a Redis Cluster, whose pipelines may name one node's slots only, as concurrent commands.
 */
import type { Topic } from '../domain-event';
import { deadLetterKey, type EventLogStats, type GroupStats } from '../event-log';
import type { RedisConnection } from './redis-connection';
import { field } from './redis-connection';
import type { RedisEventStreams } from './redis-event-streams';

/** See module doc. */
export class RedisEventLogStats implements EventLogStats {
  constructor(
    private readonly connection: RedisConnection,
    private readonly streams: Pick<RedisEventStreams, 'listStreams'>,
  ) {}

  async ping(): Promise<void> {
    await this.connection.commands.ping();
  }

  async groupStats(topic: Topic, group: string): Promise<GroupStats> {
    const keys = await this.streams.listStreams(topic);
    const stats: GroupStats = { streams: keys.length, lag: 0, pending: 0, deadLetters: 0 };
    if (keys.length === 0) return stats;
    const replies = await this.query(keys);
    for (let i = 0; i < keys.length; i++) {
      const [groupsErr, groups] = replies[2 * i] ?? [];
      if (!groupsErr && Array.isArray(groups)) {
        const info = (groups as unknown[][]).find((g) => field(g, 'name') === group);
        if (info) {
          stats.pending += Number(field(info, 'pending') ?? 0);
          const lag = field(info, 'lag');
          stats.lag += lag === null || lag === undefined ? 0 : Number(lag);
        }
      }
      const [lenErr, len] = replies[2 * i + 1] ?? [];
      if (!lenErr) stats.deadLetters += Number(len ?? 0);
    }
    return stats;
  }

  /** `[XINFO GROUPS, XLEN dlq]` replies of every key, in key order, as `[error, result]` pairs. */
  private async query(keys: readonly string[]): Promise<Array<[Error | null, unknown]>> {
    const commands = this.connection.commands;
    if (!this.connection.isCluster) {
      const pipeline = commands.pipeline();
      for (const key of keys) {
        pipeline.call('XINFO', 'GROUPS', key);
        pipeline.call('XLEN', deadLetterKey(key));
      }
      return ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
    }
    const settle = (p: Promise<unknown>) =>
      p.then(
        (v): [null, unknown] => [null, v],
        (err: Error): [Error, unknown] => [err, undefined],
      );
    const pairs = await Promise.all(
      keys.map((key) => Promise.all([settle(commands.call('XINFO', 'GROUPS', key)), settle(commands.call('XLEN', deadLetterKey(key)))])),
    );
    return pairs.flat();
  }
}
