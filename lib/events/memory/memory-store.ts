/**
 * The state of one in-process event log, shared by its slices: streams (entries, last generated id,
 * consumer groups), dead-letter streams, leases and member sets, with Redis' rules where they matter:
 * ids are `<ms>-<seq>` and grow in every stream; a stream keeps its last generated id when its
 * entries are trimmed; retention trims the oldest entries like `XADD ... MAXLEN`.
 */
import { EventEmitter } from 'node:events';
import type { DeadLetter, StreamEntry } from '../event-log';
import { compareStreamIds } from '../stream-id';

/** A pending entry of a consumer group (Redis' pending entries list). */
export interface MemoryPendingEntry {
  consumer: string;
  /** Date.now() of the last delivery: the entry's idle time counts from it. */
  deliveredAt: number;
  /** Deliveries so far, the first included. */
  deliveries: number;
}

/** A consumer group of a stream. */
export interface MemoryGroup {
  /** Id of the newest entry delivered to the group (`XREADGROUP ... >` continues after it). */
  lastDelivered: string;
  /** Entry id -> pending entry. */
  pending: Map<string, MemoryPendingEntry>;
}

/** A stream. */
export interface MemoryStream {
  /** Retained entries, oldest first. */
  entries: StreamEntry[];
  /** Id of the newest entry ever added (`0-0` for a stream created empty), kept when entries are trimmed. */
  lastGenerated: string;
  /** Group name -> group. */
  groups: Map<string, MemoryGroup>;
}

/** See module doc. */
export class MemoryStore {
  /** Stream key -> stream. */
  readonly streams = new Map<string, MemoryStream>();
  /** Stream key (of the original stream) -> its dead-letter entries, oldest first. */
  readonly deadLetters = new Map<string, DeadLetter[]>();
  /** Lease key -> holder and Date.now() at which the lease lapses. */
  readonly leases = new Map<string, { owner: string; expiresAt: number }>();
  /** Member set key -> member -> Date.now() at which it is forgotten. */
  readonly members = new Map<string, Map<string, number>>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private lastMs = 0;
  private seq = 0;
  private closedFlag = false;

  /** @param retention entries kept per stream and per dead-letter stream. */
  constructor(readonly retention: number) {}

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** A new id, greater than every id this store made before (`<Date.now()>-<seq>`). */
  nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }

  /** The stream `key`, created empty (last generated id `0-0`) when `create` and it does not exist. */
  stream(key: string, create: true): MemoryStream;
  stream(key: string, create?: boolean): MemoryStream | undefined;
  stream(key: string, create = false): MemoryStream | undefined {
    let stream = this.streams.get(key);
    if (!stream && create) this.streams.set(key, (stream = { entries: [], lastGenerated: '0-0', groups: new Map() }));
    return stream;
  }

  /** Adds `entry` to stream `key` (creating it), trims it to the retention and wakes blocked readers. */
  add(key: string, entry: StreamEntry): void {
    const stream = this.stream(key, true);
    stream.entries.push(entry);
    stream.lastGenerated = entry.id;
    this.trim(key, this.retention);
    this.appended.emit('append', key);
  }

  /** Trims stream `key` to its newest `maxLen` entries (`XTRIM ... MAXLEN = maxLen`). */
  trim(key: string, maxLen: number): void {
    const stream = this.streams.get(key);
    if (stream && stream.entries.length > maxLen) stream.entries.splice(0, stream.entries.length - maxLen);
  }

  /** At most `count` entries of stream `key` with ids greater than `afterId`, in id order. */
  after(key: string, afterId: string, count: number): StreamEntry[] {
    const out: StreamEntry[] = [];
    for (const entry of this.streams.get(key)?.entries ?? []) {
      if (out.length >= count) break;
      if (compareStreamIds(entry.id, afterId) > 0) out.push(entry);
    }
    return out;
  }

  /** Resolves when an entry is added to one of `keys`, after `blockMs` ms, or when the store closes. */
  waitForAppend(keys: readonly string[], blockMs: number): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const onAppend = (key: string) => {
        if (keys.includes(key) || this.closedFlag) done();
      };
      const timer = setTimeout(() => done(), blockMs);
      const done = () => {
        clearTimeout(timer);
        this.appended.off('append', onAppend);
        resolve();
      };
      this.appended.on('append', onAppend);
    });
  }

  /** Marks the store closed and wakes every blocked reader. */
  close(): void {
    this.closedFlag = true;
    this.appended.emit('append', '');
  }
}
