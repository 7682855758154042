/**
 * The event log: append-only per-tenant streams with Redis Streams semantics, split by concern so
 * each client depends on the slice it uses:
 *
 * - {@link EventStreams}: append, read, retention and cursor checks (the outbox relay appends; the
 *   gateway's stream hub and subscription planner read and check cursors).
 * - {@link ConsumerGroups}: consumer groups, pending entries and the dead-letter stream (the
 *   ordered consumer, lib/events/ordered-consumer.ts).
 * - {@link StreamLeases}: leases and member sets (the ordered consumer's one-owner-per-stream rule).
 *
 * Two implementations behave the same (test/events/event-log.contract.ts runs one suite against
 * both): Redis (production, several processes) and in-process (`npm start` without `REDIS_URL`,
 * one process only).
 */
import type { DomainEvent, Topic } from './domain-event';

/** An entry of a stream: its id (`<ms>-<seq>`, the subscription cursor) and the event. */
export interface StreamEntry {
  id: string;
  event: DomainEvent;
}

/** Options of a read. */
export interface ReadOptions {
  /** Most entries to return (default 100). */
  count?: number;
  /** Wait up to this many ms for an entry; 0 or absent = return at once. */
  blockMs?: number;
}

/**
 * Where a resume cursor stands in a stream ({@link EventStreams.cursorStatus}):
 * - `ok`: every entry after the cursor is retained (or the cursor is `0`/`0-0`: "everything retained").
 * - `expired`: entries after the cursor may have been trimmed, or the cursor is older than the
 *   stream's oldest retained entry (a cursor of an earlier life of the stream): refetch, then
 *   subscribe without a cursor.
 * - `ahead`: the cursor is newer than the newest id the stream ever generated: it was not issued by
 *   this stream (forged, or from a stream that was lost).
 */
export type CursorStatus = 'ok' | 'expired' | 'ahead';

/** Append, read and retention of the per-tenant streams. */
export interface EventStreams {
  /** Appends `event` to its tenant's stream (trimming it to the retention); returns the entry id. */
  append(event: DomainEvent): Promise<string>;
  /** Entries of `stream` with ids greater than `afterId` (`0` = from the start), in id order, waiting up to `blockMs`. */
  read(stream: string, afterId: string, options?: ReadOptions): Promise<StreamEntry[]>;
  /** Id of the newest entry of `stream`, or `0-0` when it has none. */
  lastId(stream: string): Promise<string>;
  /** Keys of all streams of `topic` (every tenant). */
  listStreams(topic: Topic): Promise<string[]>;
  /**
   * Whether the entries after `cursor` (a well-formed stream id) are all retained in `stream`; see
   * {@link CursorStatus}. The oldest retained entry's predecessor counts as `expired` even though
   * nothing after it was lost: Redis does not report the newest trimmed id (`XINFO STREAM`'s
   * `recorded-first-entry-id` is the oldest retained one).
   */
  cursorStatus(stream: string, cursor: string): Promise<CursorStatus>;
}

/** An entry delivered to a consumer of a group. */
export interface GroupEntry {
  /** Key of the stream the entry belongs to. */
  stream: string;
  entry: StreamEntry;
  /**
   * How many times the group has delivered this entry, this delivery included (1 for a first
   * delivery; Redis' XPENDING delivery counter for claimed entries).
   */
  deliveries: number;
}

/** Options of {@link ConsumerGroups.claimPending}. */
export interface ClaimOptions {
  /** Most entries to claim per stream (default 50). */
  count?: number;
}

/** An entry moved to a dead-letter stream. */
export interface DeadLetter {
  /** Id of the entry in the dead-letter stream. */
  id: string;
  /** Id the entry had in its original stream. */
  entryId: string;
  /** The event, or undefined when the original entry could not be parsed. */
  event?: DomainEvent;
  /** Why it was dead-lettered (the last error, cut to {@link MAX_DEAD_LETTER_REASON} characters). */
  reason: string;
  /** The consumer group that gave up on it. */
  group: string;
}

/** Consumer groups over the streams, with pending entries and a dead-letter stream per stream. */
export interface ConsumerGroups {
  /** Creates consumer group `group` on `stream` at its start (`0`) if it does not exist (creating an empty stream if needed). */
  ensureGroup(stream: string, group: string): Promise<void>;
  /**
   * New entries for `consumer` of `group` across `streams` (`XREADGROUP ... >`), at most `count` per
   * stream (as Redis' `COUNT`), waiting up to `blockMs`; they stay pending until {@link ack}ed.
   * Entries whose payload cannot be parsed are moved to the dead-letter stream instead.
   * @throws Error whose message starts with `NOGROUP` when a stream or its group does not exist.
   */
  readGroup(group: string, consumer: string, streams: string[], options?: ReadOptions): Promise<GroupEntry[]>;
  /**
   * Takes over entries of `group` that a consumer read but has not acknowledged for at least
   * `minIdleMs` ms (`XAUTOCLAIM`), across `streams`, in id order per stream, at most `count` per
   * stream (entries trimmed from the stream are dropped from the pending list and skipped, so fewer
   * than `count` means there are no more); `minIdleMs` 0 takes every pending entry, `consumer`'s own
   * included. Each comes with its delivery count, this claim included. They stay pending, now owned
   * by `consumer`, until {@link ack}ed. Entries whose payload cannot be parsed are dead-lettered.
   * @throws Error whose message starts with `NOGROUP` when a stream or its group does not exist.
   */
  claimPending(group: string, consumer: string, streams: string[], minIdleMs: number, options?: ClaimOptions): Promise<GroupEntry[]>;
  /** Acknowledges an entry of a group (it leaves the pending list). */
  ack(stream: string, group: string, id: string): Promise<void>;
  /**
   * Moves an entry of `group` that cannot be handled to the dead-letter stream
   * {@link deadLetterKey}(`stream`), then acknowledges it, atomically (`MULTI` on Redis). Returns the
   * dead-letter entry id.
   */
  deadLetter(stream: string, group: string, entry: StreamEntry, reason: string): Promise<string>;
  /** The oldest `count` (default 100) entries of `stream`'s dead-letter stream (operators and tests). */
  deadLetters(stream: string, count?: number): Promise<DeadLetter[]>;
}

/** Leases (one holder at a time, with a time to live) and member sets (who is alive). */
export interface StreamLeases {
  /**
   * Takes the lease `key` for `owner` for `ttlMs` ms if nobody holds it (`SET key owner NX PX ttl`).
   * True when `owner` now holds it (also when it already did: the TTL is then extended).
   */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease `key` to `ttlMs` ms from now if `owner` still holds it (compare and set); false when it does not. */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease `key` up if `owner` holds it (compare and delete); false when it did not. */
  release(key: string, owner: string): Promise<boolean>;
  /** Holder of the lease `key`, or undefined when nobody holds it (operators and tests). */
  holder(key: string): Promise<string | undefined>;
  /**
   * Records `member` as alive in the member set `key` until `ttlMs` ms from now, forgets members not
   * seen for longer, and returns how many members are alive (`member` included).
   */
  heartbeat(key: string, member: string, ttlMs: number): Promise<number>;
  /** Removes `member` from the member set `key` (a consumer stopping). */
  leave(key: string, member: string): Promise<void>;
}

/** Health of one consumer group over every stream of a topic (metrics). */
export interface GroupStats {
  /** Streams of the topic. */
  streams: number;
  /** Entries not yet delivered to the group, summed over the streams (Redis 7 `XINFO GROUPS` lag). */
  lag: number;
  /** Entries delivered to the group and not acknowledged, summed over the streams. */
  pending: number;
  /** Entries in the topic's dead-letter streams. */
  deadLetters: number;
}

/** Operators' view of the event log: reachability and consumer group health. */
export interface EventLogStats {
  /** Resolves when the backend answers (`PING` on Redis); rejects otherwise. */
  ping(): Promise<void>;
  /** Lag, pending and dead-lettered entries of `group` over the streams of `topic`. */
  groupStats(topic: Topic, group: string): Promise<GroupStats>;
}

/** The event log of a process: the three slices over one backend. */
export interface EventLog {
  /** Which implementation, for start-up logs. */
  readonly kind: 'redis' | 'memory';
  readonly streams: EventStreams;
  readonly groups: ConsumerGroups;
  readonly leases: StreamLeases;
  readonly stats: EventLogStats;
  /** Closes connections; pending blocking reads return empty. */
  close(): Promise<void>;
}

/** Longest dead-letter reason kept, characters; longer reasons are cut. */
export const MAX_DEAD_LETTER_REASON = 1000;

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
