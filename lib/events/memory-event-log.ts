/**
 * In-process event log with the semantics of {@link RedisEventLog}, for the single-process
 * `npm start` without `REDIS_URL`. Retention trims the oldest entries like `XADD MAXLEN`.
 */
import { EventEmitter } from 'node:events';
import type { DomainEvent, Topic } from './domain-event';
import { streamKey, parseStreamKey } from './domain-event';
import {
  compareStreamIds,
  deadLetterKey,
  type ClaimOptions,
  type EventLog,
  type GroupEntry,
  type ReadOptions,
  type StreamEntry,
} from './event-log';

interface PendingEntry {
  consumer: string;
  /** Date.now() of the last delivery. */
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  lastDelivered: string;
  pending: Map<string, PendingEntry>;
}

interface DeadLetter {
  id: string;
  entry: StreamEntry;
  reason: string;
  group: string;
}

/** See module doc. */
export class MemoryEventLog implements EventLog {
  readonly kind = 'memory' as const;
  private readonly streams = new Map<string, StreamEntry[]>();
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly deadLetters = new Map<string, DeadLetter[]>();
  /** Newest id trimmed per stream. */
  private readonly trimmed = new Map<string, string>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  /** Lease key -> holder and Date.now() at which the lease lapses. */
  private readonly leases = new Map<string, { owner: string; expiresAt: number }>();
  /** Member set key -> member -> Date.now() at which it is forgotten. */
  private readonly members = new Map<string, Map<string, number>>();
  private lastMs = 0;
  private seq = 0;
  private closed = false;

  /** @param retention entries kept per stream. */
  constructor(private readonly retention = 10_000) {}

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }

  async append(event: DomainEvent): Promise<string> {
    const key = streamKey(event.tenantId, event.topic);
    let entries = this.streams.get(key);
    if (!entries) this.streams.set(key, (entries = []));
    const id = this.nextId();
    entries.push({ id, event });
    if (entries.length > this.retention) {
      const removed = entries.splice(0, entries.length - this.retention);
      this.trimmed.set(key, removed[removed.length - 1]!.id);
    }
    this.appended.emit('append', key);
    return id;
  }

  private after(stream: string, afterId: string, count: number): StreamEntry[] {
    const entries = this.streams.get(stream) ?? [];
    const out: StreamEntry[] = [];
    for (const e of entries) {
      if (compareStreamIds(e.id, afterId) > 0) {
        out.push(e);
        if (out.length >= count) break;
      }
    }
    return out;
  }

  private waitForAppend(streams: string[], blockMs: number): Promise<void> {
    return new Promise((resolve) => {
      const onAppend = (key: string) => {
        if (streams.includes(key) || this.closed) done();
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

  async read(stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const count = options.count ?? 100;
    let out = this.after(stream, afterId, count);
    if (out.length === 0 && options.blockMs && !this.closed) {
      await this.waitForAppend([stream], options.blockMs);
      out = this.after(stream, afterId, count);
    }
    return out;
  }

  async lastId(stream: string): Promise<string> {
    const entries = this.streams.get(stream);
    return entries?.at(-1)?.id ?? '0-0';
  }

  async firstId(stream: string): Promise<string | undefined> {
    return this.streams.get(stream)?.[0]?.id;
  }

  async listStreams(topic: Topic): Promise<string[]> {
    return [...this.streams.keys()].filter((k) => parseStreamKey(k)?.topic === topic);
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    if (!this.streams.has(stream)) this.streams.set(stream, []);
    let groups = this.groups.get(stream);
    if (!groups) this.groups.set(stream, (groups = new Map()));
    if (!groups.has(group)) groups.set(group, { lastDelivered: '0-0', pending: new Map() });
  }

  private claimNew(group: string, consumer: string, streams: string[], count: number): GroupEntry[] {
    const out: GroupEntry[] = [];
    for (const stream of streams) {
      const g = this.groups.get(stream)?.get(group);
      if (!g) continue;
      for (const entry of this.after(stream, g.lastDelivered, count - out.length)) {
        g.lastDelivered = entry.id;
        g.pending.set(entry.id, { consumer, deliveredAt: Date.now(), deliveries: 1 });
        out.push({ stream, entry, deliveries: 1 });
      }
      if (out.length >= count) break;
    }
    return out;
  }

  async readGroup(group: string, consumer: string, streams: string[], options: ReadOptions = {}): Promise<GroupEntry[]> {
    const count = options.count ?? 100;
    let out = this.claimNew(group, consumer, streams, count);
    if (out.length === 0 && options.blockMs && !this.closed) {
      await this.waitForAppend(streams, options.blockMs);
      out = this.claimNew(group, consumer, streams, count);
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
    const now = Date.now();
    const out: GroupEntry[] = [];
    for (const stream of streams) {
      const g = this.groups.get(stream)?.get(group);
      if (!g) continue;
      const entries = this.streams.get(stream) ?? [];
      let claimed = 0;
      for (const [id, p] of [...g.pending].sort((a, b) => compareStreamIds(a[0], b[0]))) {
        if (claimed >= count) break;
        if (now - p.deliveredAt < minIdleMs) continue;
        const entry = entries.find((e) => e.id === id);
        if (!entry) {
          g.pending.delete(id); // trimmed away, as XAUTOCLAIM does
          continue;
        }
        p.consumer = consumer;
        p.deliveredAt = now;
        p.deliveries++;
        claimed++;
        out.push({ stream, entry, deliveries: p.deliveries });
      }
    }
    return out;
  }

  /** The live lease of `key`, dropping a lapsed one. */
  private lease(key: string): { owner: string; expiresAt: number } | undefined {
    const lease = this.leases.get(key);
    if (lease && lease.expiresAt <= Date.now()) {
      this.leases.delete(key);
      return undefined;
    }
    return lease;
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = this.lease(key);
    if (lease && lease.owner !== owner) return false;
    this.leases.set(key, { owner, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async renewLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = this.lease(key);
    if (lease?.owner !== owner) return false;
    lease.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async releaseLease(key: string, owner: string): Promise<boolean> {
    if (this.lease(key)?.owner !== owner) return false;
    this.leases.delete(key);
    return true;
  }

  async leaseHolder(key: string): Promise<string | undefined> {
    return this.lease(key)?.owner;
  }

  async heartbeat(key: string, member: string, ttlMs: number): Promise<number> {
    let set = this.members.get(key);
    if (!set) this.members.set(key, (set = new Map()));
    const now = Date.now();
    set.set(member, now + ttlMs);
    for (const [m, expiresAt] of set) if (expiresAt < now) set.delete(m);
    return set.size;
  }

  async leave(key: string, member: string): Promise<void> {
    this.members.get(key)?.delete(member);
  }

  async ack(stream: string, group: string, id: string): Promise<void> {
    this.groups.get(stream)?.get(group)?.pending.delete(id);
  }

  async deadLetter(stream: string, group: string, entry: StreamEntry, reason: string): Promise<string> {
    const key = deadLetterKey(stream);
    let list = this.deadLetters.get(key);
    if (!list) this.deadLetters.set(key, (list = []));
    const id = this.nextId();
    list.push({ id, entry, reason, group });
    await this.ack(stream, group, entry.id);
    return id;
  }

  /** Entries of a dead-letter stream (tests and tooling). */
  deadLettered(stream: string): ReadonlyArray<{ id: string; entry: StreamEntry; reason: string; group: string }> {
    return this.deadLetters.get(deadLetterKey(stream)) ?? [];
  }

  /** Exact here: the log knows the newest trimmed id. */
  async isExpired(stream: string, cursor: string): Promise<boolean> {
    const trimmed = this.trimmed.get(stream);
    return trimmed !== undefined && compareStreamIds(cursor, trimmed) < 0;
  }

  /** Trims `stream` to its newest `maxLen` entries, like `XTRIM MAXLEN` (tests). */
  trim(stream: string, maxLen: number): void {
    const entries = this.streams.get(stream);
    if (!entries || entries.length <= maxLen) return;
    const removed = entries.splice(0, entries.length - maxLen);
    this.trimmed.set(stream, removed[removed.length - 1]!.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.appended.emit('append', '');
  }
}
