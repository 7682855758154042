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
  readGroup(
    group: string,
    consumer: string,
    streams: string[],
    options?: ReadOptions,
  ): Promise<Array<{ stream: string; entry: StreamEntry }>>;
  /** Acknowledges an entry of a group. */
  ack(stream: string, group: string, id: string): Promise<void>;
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
