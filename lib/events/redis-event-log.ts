/**
 * Event log on Redis Streams (ioredis): `XADD ... MAXLEN ~ <retention>` per tenant and topic, `XREAD`
 * for subscribers, `XREADGROUP`/`XACK` for consumers. Blocking reads each lease a dedicated connection,
 * so a waiting reader never delays commands. Consumer leases are plain keys changed by small Lua
 * scripts (compare and set, compare and delete); consumer membership is a sorted set scored by expiry.
 * The lease keys carry the stream's hash tag; the member set is one key per topic and group. ioredis reconnects on its own; reads made while Redis is
 * down reject, and callers retry from their last position.
 */
import { Redis } from 'ioredis';
import type { DomainEvent, Topic } from './domain-event';
import { streamKey } from './domain-event';
import {
  compareStreamIds,
  deadLetterKey,
  type ClaimOptions,
  type EventLog,
  type GroupEntry,
  type ReadOptions,
  type StreamEntry,
} from './event-log';

type RawEntry = [id: string, fields: string[] | null];

/** The entry's event, or undefined when the entry was deleted or its payload is not an event. */
function toEntry([id, fields]: RawEntry): StreamEntry | undefined {
  if (!fields) return undefined;
  const at = fields.indexOf('event');
  if (at < 0 || at + 1 >= fields.length) return undefined;
  try {
    const event = JSON.parse(fields[at + 1]!) as DomainEvent;
    if (!event || typeof event !== 'object' || typeof event.id !== 'string') return undefined;
    return { id, event };
  } catch {
    return undefined;
  }
}

/** Value of `name` in a flat RESP2 `[k1, v1, k2, v2, ...]` reply. */
function field(reply: unknown[], name: string): unknown {
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return reply[i + 1];
  return undefined;
}

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
export class RedisEventLog implements EventLog {
  readonly kind = 'redis' as const;
  private readonly commands: Redis;
  private readonly idle: Redis[] = [];
  private readonly leased = new Set<Redis>();
  private closed = false;

  /**
   * @param url Redis URL, for example `redis://localhost:6379`.
   * @param retention approximate entries kept per stream (`MAXLEN ~`).
   */
  constructor(
    url: string,
    private readonly retention = 10_000,
  ) {
    // RESP2: ioredis 6 defaults to RESP3, whose map replies (XREAD, XREADGROUP) arrive flattened.
    this.commands = new Redis(url, { protocol: 2, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.commands.on('error', () => undefined);
  }

  private async withBlocking<T>(fn: (conn: Redis) => Promise<T>): Promise<T> {
    let conn = this.idle.pop();
    if (!conn) {
      conn = this.commands.duplicate();
      conn.on('error', () => undefined);
    }
    this.leased.add(conn);
    try {
      return await fn(conn);
    } finally {
      this.leased.delete(conn);
      if (this.closed) conn.disconnect();
      else this.idle.push(conn);
    }
  }

  async append(event: DomainEvent): Promise<string> {
    const key = streamKey(event.tenantId, event.topic);
    const id = (await this.commands.call(
      'XADD',
      key,
      'MAXLEN',
      '~',
      String(this.retention),
      '*',
      'event',
      JSON.stringify(event),
    )) as string;
    return id;
  }

  async read(stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const count = String(options.count ?? 100);
    const args = ['COUNT', count, ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []), 'STREAMS', stream, afterId];
    const run = (conn: Redis) => conn.call('XREAD', ...args) as Promise<Array<[string, RawEntry[]]> | null>;
    const reply = options.blockMs ? await this.withBlocking(run) : await run(this.commands);
    return (reply?.[0]?.[1] ?? []).map(toEntry).filter((e): e is StreamEntry => e !== undefined);
  }

  async lastId(stream: string): Promise<string> {
    const reply = (await this.commands.call('XREVRANGE', stream, '+', '-', 'COUNT', '1')) as RawEntry[];
    return reply[0]?.[0] ?? '0-0';
  }

  async firstId(stream: string): Promise<string | undefined> {
    const reply = (await this.commands.call('XRANGE', stream, '-', '+', 'COUNT', '1')) as RawEntry[];
    return reply[0]?.[0];
  }

  async listStreams(topic: Topic): Promise<string[]> {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = (await this.commands.call('SCAN', cursor, 'MATCH', `evt:{*}:${topic}`, 'COUNT', '500', 'TYPE', 'stream')) as [
        string,
        string[],
      ];
      cursor = next;
      for (const k of batch) keys.add(k);
    } while (cursor !== '0');
    return [...keys];
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    try {
      await this.commands.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  async readGroup(group: string, consumer: string, streams: string[], options: ReadOptions = {}) {
    if (streams.length === 0) return [];
    const args = [
      'GROUP',
      group,
      consumer,
      'COUNT',
      String(options.count ?? 100),
      ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []),
      'STREAMS',
      ...streams,
      ...streams.map(() => '>'),
    ];
    const run = (conn: Redis) => conn.call('XREADGROUP', ...args) as Promise<Array<[string, RawEntry[]]> | null>;
    const reply = options.blockMs ? await this.withBlocking(run) : await run(this.commands);
    const out: GroupEntry[] = [];
    for (const [stream, entries] of reply ?? []) {
      for (const raw of entries) {
        const entry = toEntry(raw);
        if (entry) out.push({ stream, entry, deliveries: 1 });
        else await this.deadLetterRaw(stream, group, raw, 'malformed entry');
      }
    }
    return out;
  }

  async claimStale(
    group: string,
    consumer: string,
    streams: string[],
    minIdleMs: number,
    options: ClaimOptions = {},
  ): Promise<GroupEntry[]> {
    const count = options.count ?? 50;
    const out: GroupEntry[] = [];
    for (const stream of streams) {
      let start = '0-0';
      let taken = 0;
      do {
        // XAUTOCLAIM key group consumer min-idle start COUNT n -> [next-start, entries, deleted-ids].
        // Continue from next-start until `count` entries or the end of the pending list: trimmed
        // (deleted) or malformed entries are not returned, and must not hide the ones after them.
        const reply = (await this.commands.call(
          'XAUTOCLAIM',
          stream,
          group,
          consumer,
          String(minIdleMs),
          start,
          'COUNT',
          String(count - taken),
        )) as [string, RawEntry[], string[]?];
        start = reply[0];
        const claimed = reply[1] ?? [];
        if (claimed.length === 0) continue;
        // Delivery counters of what this consumer now holds (XAUTOCLAIM incremented them).
        const first = claimed[0]![0];
        const last = claimed[claimed.length - 1]![0];
        const pending = (await this.commands.call(
          'XPENDING',
          stream,
          group,
          first,
          last,
          String(claimed.length * 2 + 10),
          consumer,
        )) as Array<[string, string, number, number]>;
        const deliveries = new Map(pending.map(([id, , , n]) => [id, Number(n)]));
        for (const raw of claimed) {
          const entry = toEntry(raw);
          if (entry) {
            out.push({ stream, entry, deliveries: deliveries.get(raw[0]) ?? 1 });
            taken++;
          } else if (raw[1]) await this.deadLetterRaw(stream, group, raw, 'malformed entry');
        }
      } while (taken < count && start !== '0-0');
    }
    return out;
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const reply = await this.commands.eval(ACQUIRE_LEASE, 1, key, owner, String(ttlMs));
    return Number(reply) === 1;
  }

  async renewLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const reply = await this.commands.eval(RENEW_LEASE, 1, key, owner, String(ttlMs));
    return Number(reply) === 1;
  }

  async releaseLease(key: string, owner: string): Promise<boolean> {
    const reply = await this.commands.eval(RELEASE_LEASE, 1, key, owner);
    return Number(reply) === 1;
  }

  async leaseHolder(key: string): Promise<string | undefined> {
    return (await this.commands.get(key)) ?? undefined;
  }

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

  async ack(stream: string, group: string, id: string): Promise<void> {
    await this.commands.call('XACK', stream, group, id);
  }

  async deadLetter(stream: string, group: string, entry: StreamEntry, reason: string): Promise<string> {
    return this.deadLetterFields(stream, group, entry.id, JSON.stringify(entry.event), reason);
  }

  private async deadLetterRaw(stream: string, group: string, raw: RawEntry, reason: string): Promise<string> {
    return this.deadLetterFields(stream, group, raw[0], JSON.stringify(raw[1] ?? []), reason);
  }

  private async deadLetterFields(stream: string, group: string, entryId: string, payload: string, reason: string): Promise<string> {
    const results = await this.commands
      .multi()
      .call(
        'XADD',
        deadLetterKey(stream),
        'MAXLEN',
        '~',
        String(this.retention),
        '*',
        'event',
        payload,
        'reason',
        reason.slice(0, 1000),
        'entry',
        entryId,
        'group',
        group,
      )
      .call('XACK', stream, group, entryId)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('dead-letter transaction aborted');
    return results[0]![1] as string;
  }

  async isExpired(stream: string, cursor: string): Promise<boolean> {
    let reply: unknown[];
    try {
      reply = (await this.commands.call('XINFO', 'STREAM', stream)) as unknown[];
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return false;
      throw err;
    }
    const length = Number(field(reply, 'length'));
    const added = Number(field(reply, 'entries-added'));
    if (!(added > length)) return false; // nothing trimmed
    // Everything trimmed: only a cursor at the last generated id lost nothing.
    const oldest = String(field(reply, length === 0 ? 'last-generated-id' : 'recorded-first-entry-id'));
    return compareStreamIds(cursor, oldest) < 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of [...this.idle, ...this.leased]) conn.disconnect();
    this.idle.length = 0;
    if (this.commands.status === 'ready') await this.commands.quit().catch(() => undefined);
    this.commands.disconnect();
  }
}
