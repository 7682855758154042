/**
 * The event log: append-only per-tenant streams with Redis Streams semantics. Two implementations:
 * {@link RedisEventLog} (production, several processes) and {@link MemoryEventLog} (`npm start`
 * without `REDIS_URL`, one process only).
 */
import type { DomainEvent, Topic } from './domain-event';

/** An entry of a stream: its id (`<ms>-<seq>`, the subscription cursor) and the event. */
export interface StreamEntry {
  id: string;
  event: DomainEvent;
}

/** Options of a blocking read. */
export interface ReadOptions {
  /** Most entries to return (default 100). */
  count?: number;
  /** Wait up to this many ms for an entry; 0 = return at once. */
  blockMs?: number;
}

/** An entry delivered to a consumer of a group. */
export interface GroupEntry {
  /** Key of the stream the entry belongs to. */
  stream: string;
  entry: StreamEntry;
  /**
   * How many times the group has delivered this entry, this delivery included (1 for a first
   * delivery; Redis' XPENDING delivery counter for reclaimed entries).
   */
  deliveries: number;
}

/** Options of {@link EventLog.claimStale}. */
export interface ClaimOptions {
  /** Most entries to claim per stream (default 50). */
  count?: number;
}

/** Suffix of the dead-letter stream of a stream: `evt:{<tenant>}:orders` -> `evt:{<tenant>}:orders:dlq`. */
export const DEAD_LETTER_SUFFIX = ':dlq';

/** Key of the dead-letter stream of `stream` (same hash tag, so same Redis Cluster slot). */
export function deadLetterKey(stream: string): string {
  return `${stream}${DEAD_LETTER_SUFFIX}`;
}

/**
 * Key of the lease that gives one consumer of `group` the exclusive right to consume `stream`:
 * `evt:{<tenant>}:orders` -> `lease:{<tenant>}:orders:<group>` (same hash tag as the stream).
 */
export function leaseKey(stream: string, group: string): string {
  return `${stream.startsWith('evt:') ? `lease:${stream.slice(4)}` : `lease:${stream}`}:${group}`;
}

/** Key of the member set of the live consumers of `group` on `topic`'s streams: `members:<topic>:<group>`. */
export function groupMembersKey(topic: string, group: string): string {
  return `members:${topic}:${group}`;
}

/** Append-only streams with consumer groups. */
export interface EventLog {
  /** Which implementation, for start-up logs. */
  readonly kind: 'redis' | 'memory';
  /** Appends `event` to its tenant's stream; returns the entry id. */
  append(event: DomainEvent): Promise<string>;
  /** Entries of `stream` with ids greater than `afterId` (`0` = from the start), waiting up to `blockMs`. */
  read(stream: string, afterId: string, options?: ReadOptions): Promise<StreamEntry[]>;
  /** Id of the newest entry of `stream`, or `0-0` when empty. */
  lastId(stream: string): Promise<string>;
  /** Id of the oldest retained entry of `stream`, or undefined when empty. */
  firstId(stream: string): Promise<string | undefined>;
  /** Keys of all streams of `topic` (every tenant). */
  listStreams(topic: Topic): Promise<string[]>;
  /** Creates consumer group `group` on `stream` at its start (`0`) if it does not exist. */
  ensureGroup(stream: string, group: string): Promise<void>;
  /**
   * New entries for `consumer` of `group` across `streams` (`XREADGROUP ... >`), waiting up to
   * `blockMs`; they stay pending until {@link ack}ed.
   */
  readGroup(group: string, consumer: string, streams: string[], options?: ReadOptions): Promise<GroupEntry[]>;
  /**
   * Takes over entries of `group` that another consumer (typically a dead one) read but has not
   * acknowledged for at least `minIdleMs` ms (`XAUTOCLAIM`), across `streams`, in id order per
   * stream, at most `count` per stream (entries trimmed from the stream are dropped from the pending
   * list and skipped, so fewer than `count` means there are no more); `minIdleMs` 0 takes every
   * pending entry, `consumer`'s own included. Each comes with its delivery count, this claim
   * included. They stay pending, now owned by `consumer`, until {@link ack}ed. Entries whose payload
   * cannot be parsed are moved to the dead-letter stream.
   */
  claimStale(group: string, consumer: string, streams: string[], minIdleMs: number, options?: ClaimOptions): Promise<GroupEntry[]>;
  /**
   * Takes the lease `key` for `owner` for `ttlMs` ms if nobody holds it (`SET key owner NX PX ttl`).
   * True when `owner` now holds it (also when it already did: the TTL is then extended).
   */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease `key` to `ttlMs` ms from now if `owner` still holds it (atomic compare and set); false when it does not. */
  renewLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease `key` up if `owner` holds it (atomic compare and delete); false when it did not. */
  releaseLease(key: string, owner: string): Promise<boolean>;
  /** Holder of the lease `key`, or undefined when nobody holds it (tests and tooling). */
  leaseHolder(key: string): Promise<string | undefined>;
  /**
   * Records `member` as alive in the member set `key` until `ttlMs` ms from now, forgets members not
   * seen for longer, and returns how many members are alive (`member` included).
   */
  heartbeat(key: string, member: string, ttlMs: number): Promise<number>;
  /** Removes `member` from the member set `key` (a consumer stopping). */
  leave(key: string, member: string): Promise<void>;
  /** Acknowledges an entry of a group. */
  ack(stream: string, group: string, id: string): Promise<void>;
  /**
   * Moves an entry of `group` that cannot be handled to the dead-letter stream
   * {@link deadLetterKey}(`stream`) (fields `event`, `reason`, `entry` = the original entry id,
   * `group`), then acknowledges it, atomically on Redis (`MULTI`). Returns the dead-letter entry id.
   */
  deadLetter(stream: string, group: string, entry: StreamEntry, reason: string): Promise<string>;
  /**
   * True when entries after `cursor` may have been trimmed from `stream` (the `CURSOR_EXPIRED`
   * test): something was trimmed and `cursor` is lower than the oldest retained entry. On Redis 7.0
   * this reads `XINFO STREAM` (`recorded-first-entry-id`, `entries-added` - `length` = entries
   * trimmed; `max-deleted-entry-id` only tracks XDEL). Exact except for one cursor: the newest
   * trimmed entry itself, which Redis does not report, counts as expired (the client refetches).
   * False for a stream that does not exist or was never trimmed.
   */
  isExpired(stream: string, cursor: string): Promise<boolean>;
  /** Closes connections; pending blocking reads return empty. */
  close(): Promise<void>;
}

/** Compares two stream ids (`<ms>-<seq>`) numerically: negative, 0 or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const dm = BigInt(am!) - BigInt(bm!);
  if (dm !== 0n) return dm < 0n ? -1 : 1;
  const ds = BigInt(as) - BigInt(bs);
  return ds === 0n ? 0 : ds < 0n ? -1 : 1;
}

/** True when `id` has the form of a stream id (`<ms>-<seq>` or `<ms>`). */
export function isStreamId(id: string): boolean {
  return /^\d{1,20}(-\d{1,20})?$/.test(id);
}
