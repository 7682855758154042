/**
 * {@link ConsumerGroups} in process, with the semantics of the Redis implementation
 * (../redis/redis-consumer-groups.ts): `NOGROUP` errors for a missing group, `count` per stream,
 * idle times and delivery counts like `XAUTOCLAIM`, pending entries whose entry was trimmed dropped
 * and skipped. Entries are appended as events, so none is ever malformed here.
 */
import {
  MAX_DEAD_LETTER_REASON,
  type ClaimOptions,
  type ConsumerGroups,
  type DeadLetter,
  type GroupEntry,
  type ReadOptions,
  type StreamEntry,
} from '../event-log';
import { compareStreamIds } from '../stream-id';
import type { MemoryGroup, MemoryStore } from './memory-store';

/** See module doc. */
export class MemoryConsumerGroups implements ConsumerGroups {
  constructor(private readonly store: MemoryStore) {}

  async ensureGroup(stream: string, group: string): Promise<void> {
    const groups = this.store.stream(stream, true).groups;
    if (!groups.has(group)) groups.set(group, { lastDelivered: '0-0', pending: new Map() });
  }

  /** @throws Error `NOGROUP ...` when a stream or its group does not exist (as Redis). */
  private group(stream: string, group: string): MemoryGroup {
    const g = this.store.stream(stream)?.groups.get(group);
    if (!g) throw new Error(`NOGROUP No such key '${stream}' or consumer group '${group}'`);
    return g;
  }

  private readNew(group: string, consumer: string, streams: string[], count: number): GroupEntry[] {
    const groups = streams.map((stream) => this.group(stream, group));
    const out: GroupEntry[] = [];
    streams.forEach((stream, i) => {
      const g = groups[i]!;
      for (const entry of this.store.after(stream, g.lastDelivered, count)) {
        g.lastDelivered = entry.id;
        g.pending.set(entry.id, { consumer, deliveredAt: Date.now(), deliveries: 1 });
        out.push({ stream, entry, deliveries: 1 });
      }
    });
    return out;
  }

  /** `count` applies per stream, as in Redis. @throws Error `NOGROUP ...` when a stream or its group does not exist. */
  async readGroup(group: string, consumer: string, streams: string[], options: ReadOptions = {}): Promise<GroupEntry[]> {
    if (streams.length === 0) return [];
    const count = options.count ?? 100;
    let out = this.readNew(group, consumer, streams, count);
    if (out.length === 0 && options.blockMs && !this.store.closed) {
      await this.store.waitForAppend(streams, options.blockMs);
      out = this.readNew(group, consumer, streams, count);
    }
    return out;
  }

  /** @throws Error `NOGROUP ...` when a stream or its group does not exist. */
  async claimPending(
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
      const g = this.group(stream, group);
      const entries = new Map((this.store.stream(stream)?.entries ?? []).map((e) => [e.id, e]));
      let claimed = 0;
      for (const [id, p] of [...g.pending].sort((a, b) => compareStreamIds(a[0], b[0]))) {
        if (claimed >= count) break;
        if (now - p.deliveredAt < minIdleMs) continue;
        const entry = entries.get(id);
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

  async ack(stream: string, group: string, id: string): Promise<void> {
    this.store.stream(stream)?.groups.get(group)?.pending.delete(id);
  }

  async deadLetter(stream: string, group: string, entry: StreamEntry, reason: string): Promise<string> {
    let list = this.store.deadLetters.get(stream);
    if (!list) this.store.deadLetters.set(stream, (list = []));
    const id = this.store.nextId();
    list.push({ id, entryId: entry.id, event: entry.event, reason: reason.slice(0, MAX_DEAD_LETTER_REASON), group });
    if (list.length > this.store.retention) list.splice(0, list.length - this.store.retention);
    await this.ack(stream, group, entry.id);
    return id;
  }

  async deadLetters(stream: string, count = 100): Promise<DeadLetter[]> {
    return (this.store.deadLetters.get(stream) ?? []).slice(0, count).map((d) => ({ ...d }));
  }
}
