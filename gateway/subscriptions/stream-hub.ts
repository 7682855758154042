/**
 * Fan-out of event streams to the gateway's live subscriptions: one reader loop per stream that has
 * at least one local listener (`XREAD BLOCK` on Redis), however many subscriptions share it. A reader
 * starts at the stream's newest entry when its first listener attaches and stops when its last one
 * detaches. A failed read is logged and retried from the same position after a short pause, so
 * listeners see no gap while Redis is briefly unreachable.
 *
 * Relay duplicates (an outbox relay that crashed between publishing and marking makes the next one
 * publish the same event again: same event id, new entry id) are dropped here, once per stream: a
 * reader remembers the event ids of its last `recentEventIds` entries and does not hand an entry
 * whose event id it has already handed over. Every listener of a reader received everything the
 * reader read since it attached, so none of them misses an event it has not seen; a listener that
 * attached after the original entry does not receive the copy either (the event predates it). A
 * subscription that replays history drops duplicates between its replay and the live entries itself
 * (live-subscription.ts).
 */
import type { EventStreams, StreamEntry } from '../../lib/events/event-log';
import { noteWork } from '../../lib/runtime/work-signal';
import { RecentIds } from './recent-ids';
import { subscriptionMetrics } from './shared-executor';

/** What the hub reads streams with. */
export type HubStreams = Pick<EventStreams, 'read' | 'lastId'>;
import type { Logger } from '../../lib/logger';

/** Receives every entry of a stream read after the listener attached, in stream order. */
export type StreamListener = (entries: readonly StreamEntry[]) => void;

/** A listener's membership of a stream. */
export interface StreamAttachment {
  /**
   * The stream position at the moment the listener was added: the listener receives exactly the
   * entries with ids greater than this one (the caller replays older ones itself).
   */
  readonly position: string;
  /** Removes the listener; the stream's reader stops when it was the last one. Idempotent. */
  detach(): void;
}

/** Options of {@link StreamHub}. */
export interface StreamHubOptions {
  /** How long one read waits for new entries, ms (default 1000). */
  blockMs?: number;
  /** Most entries per read (default 100). */
  count?: number;
  /** Pause after a failed read before retrying, ms (default 500). */
  retryMs?: number;
  /** Event ids each stream reader remembers to drop relay duplicates (default 1,000). */
  recentEventIds?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

class StreamReader {
  readonly listeners = new Set<StreamListener>();
  /** Id of the last entry read (and fanned out); undefined until the start position is known. */
  position: string | undefined;
  running = true;
  readonly ready: Promise<void>;
  loop: Promise<void> = Promise.resolve();
  private markReady!: () => void;
  private readonly seen: RecentIds;

  constructor(
    readonly stream: string,
    private readonly streams: HubStreams,
    private readonly logger: Logger,
    private readonly options: Required<StreamHubOptions>,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.seen = new RecentIds(options.recentEventIds);
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running && this.position === undefined) {
      try {
        this.position = await this.streams.lastId(this.stream);
      } catch (err) {
        this.logger.warn({ stream: this.stream, err: (err as Error).message }, 'stream hub: cannot read the stream position, retrying');
        await sleep(this.options.retryMs);
      }
    }
    this.markReady();
    while (this.running) {
      const from = this.position!;
      const startedAt = Date.now();
      let entries: StreamEntry[];
      try {
        entries = await this.streams.read(this.stream, from, { blockMs: this.options.blockMs, count: this.options.count });
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ stream: this.stream, err: (err as Error).message }, 'stream hub: read failed, retrying');
        await sleep(this.options.retryMs);
        continue;
      }
      if (!this.running) break;
      if (entries.length === 0) {
        // A closed event log answers at once; do not spin.
        if (Date.now() - startedAt < 20) await sleep(100);
        continue;
      }
      // Advance and fan out in the same tick, so a listener added between two reads sees exactly the
      // entries after the position it was told.
      this.position = entries[entries.length - 1]!.id;
      const fresh = entries.filter((e) => this.seen.add(e.event.id));
      subscriptionMetrics.duplicatesDropped += entries.length - fresh.length;
      if (fresh.length === 0) continue;
      noteWork();
      for (const listener of [...this.listeners]) {
        try {
          listener(fresh);
        } catch (err) {
          this.logger.error({ stream: this.stream, err: (err as Error).message }, 'stream hub: listener failed');
        }
      }
    }
  }
}

/** See module doc. */
export class StreamHub {
  private readonly readers = new Map<string, StreamReader>();
  private readonly options: Required<StreamHubOptions>;
  private closed = false;

  constructor(
    private readonly streams: HubStreams,
    private readonly logger: Logger,
    options: StreamHubOptions = {},
  ) {
    this.options = {
      blockMs: options.blockMs ?? 1000,
      count: options.count ?? 100,
      retryMs: options.retryMs ?? 500,
      recentEventIds: options.recentEventIds ?? 1000,
    };
  }

  /** Number of streams with a running reader (for tests and metrics). */
  get activeStreams(): number {
    return this.readers.size;
  }

  /**
   * Adds `listener` to `stream`, starting the stream's reader if needed; resolves once the reader
   * knows its position.
   * @throws Error when the hub is closed.
   */
  async attach(stream: string, listener: StreamListener): Promise<StreamAttachment> {
    if (this.closed) throw new Error('The stream hub is closed.');
    let reader = this.readers.get(stream);
    if (!reader) {
      reader = new StreamReader(stream, this.streams, this.logger, this.options);
      this.readers.set(stream, reader);
      reader.start();
    }
    // Count the listener before waiting, so a concurrent detach does not stop the reader under us.
    const placeholder: StreamListener = () => undefined;
    reader.listeners.add(placeholder);
    try {
      await reader.ready;
    } finally {
      reader.listeners.delete(placeholder);
    }
    if (!reader.running) {
      // The hub was closed while waiting.
      throw new Error('The stream hub is closed.');
    }
    // Synchronous from here: add and read the position in one step.
    reader.listeners.add(listener);
    const position = reader.position!;
    let attached = true;
    return {
      position,
      detach: () => {
        if (!attached) return;
        attached = false;
        reader.listeners.delete(listener);
        if (reader.listeners.size === 0 && this.readers.get(stream) === reader) {
          reader.running = false;
          this.readers.delete(stream);
        }
      },
    };
  }

  /** Stops every reader and waits for their loops to end (at most one blocking read). */
  async close(): Promise<void> {
    this.closed = true;
    const readers = [...this.readers.values()];
    this.readers.clear();
    for (const r of readers) {
      r.running = false;
      r.listeners.clear();
    }
    await Promise.all(readers.map((r) => r.loop.catch(() => undefined)));
  }
}
