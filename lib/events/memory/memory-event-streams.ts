/** {@link EventStreams} in process, with the semantics of the Redis implementation (../redis/redis-event-streams.ts). */
import type { DomainEvent, Topic } from '../domain-event';
import { parseStreamKey, streamKey } from '../domain-event';
import type { CursorStatus, EventStreams, ReadOptions, StreamEntry } from '../event-log';
import { compareStreamIds, isValidCursor } from '../stream-id';
import type { MemoryStore } from './memory-store';

/** See module doc. */
export class MemoryEventStreams implements EventStreams {
  constructor(private readonly store: MemoryStore) {}

  async append(event: DomainEvent): Promise<string> {
    const id = this.store.nextId();
    this.store.add(streamKey(event.tenantId, event.topic), { id, event });
    return id;
  }

  async read(stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const count = options.count ?? 100;
    let out = this.store.after(stream, afterId, count);
    if (out.length === 0 && options.blockMs && !this.store.closed) {
      await this.store.waitForAppend([stream], options.blockMs);
      out = this.store.after(stream, afterId, count);
    }
    return out;
  }

  async lastId(stream: string): Promise<string> {
    return this.store.stream(stream)?.entries.at(-1)?.id ?? '0-0';
  }

  async listStreams(topic: Topic): Promise<string[]> {
    return [...this.store.streams.keys()].filter((k) => parseStreamKey(k)?.topic === topic);
  }

  /**
   * Same rules as Redis' `XINFO STREAM` answer: a stream that does not exist counts as empty with last
   * generated id `0-0`.
   * @throws Error when `cursor` is not a valid stream id ({@link isValidCursor}).
   */
  async cursorStatus(stream: string, cursor: string): Promise<CursorStatus> {
    if (!isValidCursor(cursor)) throw new Error(`Not a stream id: ${JSON.stringify(cursor)}`);
    if (compareStreamIds(cursor, '0-0') === 0) return 'ok';
    const s = this.store.stream(stream);
    const last = s?.lastGenerated ?? '0-0';
    if (compareStreamIds(cursor, last) > 0) return 'ahead';
    const first = s?.entries[0]?.id;
    if (first === undefined) return compareStreamIds(cursor, last) === 0 ? 'ok' : 'expired';
    return compareStreamIds(cursor, first) < 0 ? 'expired' : 'ok';
  }
}
