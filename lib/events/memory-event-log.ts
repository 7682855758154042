/**
 * In-process event log with the semantics of {@link RedisEventLog}, for the single-process
 * `npm start` without `REDIS_URL`. Retention trims the oldest entries like `XADD MAXLEN`.
 */
import { EventEmitter } from 'node:events';
import type { DomainEvent, Topic } from './domain-event';
import { streamKey, parseStreamKey } from './domain-event';
import { compareStreamIds, type EventLog, type ReadOptions, type StreamEntry } from './event-log';

interface Group {
  lastDelivered: string;
  pending: Set<string>;
}

/** See module doc. */
export class MemoryEventLog implements EventLog {
  readonly kind = 'memory' as const;
  private readonly streams = new Map<string, StreamEntry[]>();
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
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
    if (entries.length > this.retention) entries.splice(0, entries.length - this.retention);
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
    if (!groups.has(group)) groups.set(group, { lastDelivered: '0-0', pending: new Set() });
  }

  private claimNew(group: string, streams: string[], count: number) {
    const out: Array<{ stream: string; entry: StreamEntry }> = [];
    for (const stream of streams) {
      const g = this.groups.get(stream)?.get(group);
      if (!g) continue;
      for (const entry of this.after(stream, g.lastDelivered, count - out.length)) {
        g.lastDelivered = entry.id;
        g.pending.add(entry.id);
        out.push({ stream, entry });
      }
      if (out.length >= count) break;
    }
    return out;
  }

  async readGroup(group: string, _consumer: string, streams: string[], options: ReadOptions = {}) {
    const count = options.count ?? 100;
    let out = this.claimNew(group, streams, count);
    if (out.length === 0 && options.blockMs && !this.closed) {
      await this.waitForAppend(streams, options.blockMs);
      out = this.claimNew(group, streams, count);
    }
    return out;
  }

  async ack(stream: string, group: string, id: string): Promise<void> {
    this.groups.get(stream)?.get(group)?.pending.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.appended.emit('append', '');
  }
}
