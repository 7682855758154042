/**
 * {@link StreamLeases} on Redis: a lease is a plain key holding its owner with a TTL, changed only by
 * small Lua scripts (compare and set, compare and delete: `EVAL` runs atomically); a member set is a
 * sorted set scored by each member's expiry time (ms since the epoch), updated in one `MULTI`.
 * Lease keys carry the stream's hash tag (see {@link leaseKey}); a member set is one key per topic
 * and group.
 */
import type { StreamLeases } from '../event-log';
import type { RedisClient, RedisConnection } from './redis-connection';

/** `SET key owner NX PX ttl`, or extend the TTL when `owner` already holds the lease. */
const ACQUIRE_LEASE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
/** Extends the lease only while `owner` holds it. */
const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
/** Deletes the lease only while `owner` holds it. */
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/** See module doc. */
export class RedisStreamLeases implements StreamLeases {
  constructor(private readonly connection: RedisConnection) {}

  private get commands(): RedisClient {
    return this.connection.commands;
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.commands.eval(ACQUIRE_LEASE, 1, key, owner, String(ttlMs))) === 1;
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.commands.eval(RENEW_LEASE, 1, key, owner, String(ttlMs))) === 1;
  }

  async release(key: string, owner: string): Promise<boolean> {
    return Number(await this.commands.eval(RELEASE_LEASE, 1, key, owner)) === 1;
  }

  async holder(key: string): Promise<string | undefined> {
    return (await this.commands.get(key)) ?? undefined;
  }

  /**
   * `MULTI; ZADD key <now + ttl> member; ZREMRANGEBYSCORE key -inf (<now>; ZCARD key; PEXPIRE key <2 ttl>; EXEC`
   * (the key itself lapses when nobody heartbeats).
   * @throws the transaction's error.
   */
  async heartbeat(key: string, member: string, ttlMs: number): Promise<number> {
    const now = Date.now();
    const results = await this.commands
      .multi()
      .zadd(key, String(now + ttlMs), member)
      .zremrangebyscore(key, '-inf', `(${now}`)
      .zcard(key)
      .pexpire(key, ttlMs * 2)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('heartbeat transaction aborted');
    return Number(results[2]![1]);
  }

  async leave(key: string, member: string): Promise<void> {
    await this.commands.zrem(key, member);
  }
}
