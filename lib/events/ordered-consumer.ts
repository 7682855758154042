/**
 * The ordered consumer: reads every tenant stream of a topic through a consumer group and hands each
 * event to a handler, applying the entries of each stream one at a time, in stream order, whatever
 * the failures, restarts and number of replicas.
 *
 * - **One owner per stream**, spread fairly over the replicas: ./stream-ownership.ts (leases).
 * - **Pending first.** When a consumer takes a stream over (start-up included), and after anything
 *   that may have left entries unhandled (a failed entry, an error, a lost or returned lease, and
 *   every `leaseMs` as a safety net), it first takes every pending entry of the stream's group, its
 *   own and a previous owner's (`claimPending` with min-idle 0: it owns the stream now), and handles
 *   them in id order; only when none is left does it read new entries (`readGroup`, `XREADGROUP >`).
 * - **Never skip a failing entry.** When an entry's handling fails (after the in-process retries of
 *   ./entry-processor.ts), the stream's later entries are not handled (they stay pending,
 *   unacknowledged); after `redeliverMs` the failed entry is delivered again, first. Other streams
 *   keep flowing meanwhile.
 * - **Poison entries.** An entry that failed on its `maxDeliveries`-th delivery is dead-lettered
 *   (./entry-processor.ts). Its delivery count is the group's (Redis' counter) less the deliveries
 *   this consumer knows it never attempted because an earlier entry failed. A poison entry thus
 *   holds its stream's later entries back for about `maxDeliveries` x (`handleAttempts` x `retryMs`
 *   + `redeliverMs`).
 * - **Order.** With one owner per stream, pending entries first and no skipping, the handler gets
 *   each stream's entries in stream order, each after every earlier one succeeded or was
 *   dead-lettered. The remaining window is the lease's: a consumer stalled for longer than
 *   `leaseMs` (a long pause with an entry in hand) can finish that entry after the next owner went
 *   on; the handler's idempotency keeps it from applying anything twice.
 * - If the group disappears (Redis restarted without persistence), `NOGROUP` makes the consumer
 *   re-create the groups on its next refresh.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import { EntryProcessor, type EventHandler } from './entry-processor';
import type { GroupEntry } from './event-log';
import {
  orderedConsumerSettings,
  type OrderedConsumerLog,
  type OrderedConsumerOptions,
  type OrderedConsumerSettings,
} from './ordered-consumer-options';
import { EMPTY_REFRESH_MS, StreamOwnership, type OwnedStream } from './stream-ownership';

/** Progress of the consumer on a stream it holds. */
interface StreamProgress {
  /** The stream's pending entries must be handled before new ones are read. */
  pendingFirst: boolean;
  /** Date.now() before which the stream waits (a failed entry's next delivery). */
  retryAt: number;
  /** Entry id -> deliveries counted by the group that this consumer did not attempt (an earlier entry failed). */
  unattempted: Map<string, number>;
}

const READ_COUNT = 50;
const IDLE_MS = 500;

/** See module doc. `start()` begins the loop, `stop()` ends it. */
export class OrderedConsumer {
  /** Name of its readiness check. */
  readonly name: string;
  private readonly consumer: string;
  private readonly settings: OrderedConsumerSettings;
  private readonly logger: Logger;
  private readonly ownership: StreamOwnership;
  private readonly processor: EntryProcessor;
  private readonly progress = new WeakMap<OwnedStream, StreamProgress>();
  private lastSweep = 0;
  /** Date.now() of the loop's last iteration (liveness). */
  private lastLoopAt = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  /**
   * @param log the slices it uses.
   * @param options see {@link OrderedConsumerOptions} (defaults: `ORDERED_CONSUMER_DEFAULTS`).
   * @param handler applies one event; see {@link EventHandler}.
   */
  constructor(
    private readonly log: OrderedConsumerLog,
    options: OrderedConsumerOptions,
    handler: EventHandler,
  ) {
    this.settings = orderedConsumerSettings(options);
    this.consumer = this.settings.consumerName;
    this.name = `consumer ${this.settings.topic}/${this.settings.group}`;
    const { topic, group, leaseMs, refreshMs } = this.settings;
    this.logger = options.logger.child({ topic, group, consumer: this.consumer });
    // Lease holder and member name: the consumer name plus a per-instance suffix.
    const owner = `${this.consumer}#${randomUUID().slice(0, 8)}`;
    this.ownership = new StreamOwnership(log, { topic, group, owner, leaseMs, refreshMs, logger: this.logger });
    const { handleAttempts, maxDeliveries, retryMs } = this.settings;
    this.processor = new EntryProcessor(log.groups, handler, {
      group,
      handleAttempts,
      maxDeliveries,
      retryMs,
      logger: this.logger,
      sleep: (ms) => this.sleep(ms),
      running: () => this.running,
    });
  }

  /** Starts consuming (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastLoopAt = Date.now();
    this.ownership.start();
    this.loop = this.run();
  }

  /**
   * Stops the loop, waiting for the current read (at most `blockMs`) and entry to finish, then
   * releases the leases (the next owner takes the streams' pending entries first) and leaves the
   * member set.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.ownership.stop();
  }

  /**
   * Why the consumer is not healthy, or undefined when it is: it must be running and its loop must
   * have turned within `stallMs` (default 60,000; one turn is at most a blocking read or an entry's handling).
   */
  health(stallMs = 60_000): string | undefined {
    if (!this.running) return 'consumer stopped';
    const idle = Date.now() - this.lastLoopAt;
    return idle > stallMs ? `consumer loop stalled for ${idle} ms` : undefined;
  }

  /** Keys of the streams this consumer holds the lease of (observability and tests). */
  ownedStreams(): string[] {
    return this.ownership.held().map((s) => s.stream);
  }

  /** Sleeps `ms`, or less when stopped. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** The progress on `s`, new (pending first) for a stream just taken. */
  private state(s: OwnedStream): StreamProgress {
    let p = this.progress.get(s);
    if (!p) this.progress.set(s, (p = { pendingFirst: true, retryAt: 0, unattempted: new Map() }));
    return p;
  }

  /** True while this consumer may act on `s`. */
  private holds(s: OwnedStream): boolean {
    return this.running && this.ownership.holds(s);
  }

  private async run(): Promise<void> {
    const { group, leaseMs, blockMs, refreshMs } = this.settings;
    this.logger.info('ordered consumer started');
    while (this.running) {
      this.lastLoopAt = Date.now();
      try {
        if (this.ownership.refreshDue()) await this.ownership.refresh(() => this.running);
        if (Date.now() - this.lastSweep >= leaseMs) {
          // Safety net: an entry read by a consumer just after it lost the lease stays pending with it.
          this.lastSweep = Date.now();
          for (const s of this.ownership.held()) this.state(s).pendingFirst = true;
        }
        // Pending entries first, per stream, in id order.
        for (const s of this.ownership.held()) {
          if (!this.running) break;
          const p = this.state(s);
          if (p.pendingFirst && Date.now() >= p.retryAt && this.holds(s)) await this.drainPending(s, p);
        }
        if (!this.running) break;
        const now = Date.now();
        const held = this.ownership.held();
        const ready = held.filter((s) => !this.state(s).pendingFirst && this.holds(s)).map((s) => s.stream);
        const pendingReady = held.some((s) => this.state(s).pendingFirst && now >= this.state(s).retryAt && this.holds(s));
        // Wait no longer than until the next failed entry's redelivery.
        const until = (limit: number) => Math.min(now + limit, ...held.map((s) => this.state(s).retryAt).filter((t) => t > now));
        if (ready.length === 0) {
          // Holding nothing (a fresh start): look for new streams soon (StreamOwnership.refreshDue).
          const idle = held.length === 0 ? Math.min(EMPTY_REFRESH_MS, refreshMs) : Math.min(IDLE_MS, refreshMs);
          if (!pendingReady) await this.sleep(Math.max(10, until(idle) - now));
          continue;
        }
        const batch = await this.log.groups.readGroup(group, this.consumer, ready, {
          count: READ_COUNT,
          blockMs: pendingReady ? undefined : Math.max(1, until(blockMs) - now),
        });
        const byStream = new Map<string, GroupEntry[]>();
        for (const item of batch) {
          let list = byStream.get(item.stream);
          if (!list) byStream.set(item.stream, (list = []));
          list.push(item);
        }
        for (const [stream, items] of byStream) {
          const s = this.ownership.get(stream);
          if (s) await this.handleInOrder(s, this.state(s), items);
          // else: the lease was lost during the read; the entries stay pending for the next owner.
        }
      } catch (err) {
        // Whatever was read and not handled is pending with this consumer: take it first next time.
        for (const s of this.ownership.held()) this.state(s).pendingFirst = true;
        if (!this.running) break;
        const message = err instanceof Error ? err.message : String(err);
        // The stream or its group vanished (Redis restarted empty): re-create the groups.
        if (message.includes('NOGROUP')) this.ownership.forgetGroups();
        this.logger.warn({ err: message }, 'ordered consumer failed; retrying');
        await this.sleep(this.settings.retryMs);
      }
    }
    this.logger.info('ordered consumer stopped');
  }

  /** Takes the stream's pending entries (every consumer's) and handles them in id order. */
  private async drainPending(s: OwnedStream, p: StreamProgress): Promise<void> {
    const claimed = await this.log.groups.claimPending(this.settings.group, this.consumer, [s.stream], 0, { count: READ_COUNT });
    if (claimed.length) this.logger.debug({ stream: s.stream, claimed: claimed.length }, 'handling pending entries first');
    const done = await this.handleInOrder(s, p, claimed);
    if (done && claimed.length < READ_COUNT) {
      p.pendingFirst = false;
      p.unattempted.clear();
    }
  }

  /**
   * Handles one stream's entries in order, stopping at the first that fails (it and the later ones
   * stay pending; the stream goes back to pending-first after `redeliverMs`) or when the lease is no
   * longer surely held. True when all were handled.
   */
  private async handleInOrder(s: OwnedStream, p: StreamProgress, items: GroupEntry[]): Promise<boolean> {
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const attempted = this.holds(s);
      if (attempted) {
        const skipped = p.unattempted.get(item.entry.id) ?? 0;
        p.unattempted.delete(item.entry.id);
        if (await this.processor.process(item, Math.max(1, item.deliveries - skipped))) continue;
        p.retryAt = Date.now() + this.settings.redeliverMs;
      }
      p.pendingFirst = true;
      for (const later of items.slice(attempted ? i + 1 : i)) {
        p.unattempted.set(later.entry.id, (p.unattempted.get(later.entry.id) ?? 0) + 1);
      }
      return false;
    }
    return true;
  }
}
