/**
 * The order-event consumer: reads topic `orders` of every tenant through the Redis consumer group
 * `notifications` and turns each event into a notification ({@link handleOrderEvent}).
 *
 * Delivery is at least once: an entry is acknowledged only after its notification committed (or it
 * was ignored), and a redelivered event creates nothing, since notifications are unique per
 * (tenant, source event).
 */
import { hostname } from 'node:os';
import type { PrismaClient } from '../../../lib/db/prisma-client';
import { parseStreamKey } from '../../../lib/events/domain-event';
import type { EventLog, StreamEntry } from '../../../lib/events/event-log';
import type { Logger } from '../../../lib/logger';
import type { Worker } from '../../shared/subgraph-server';
import { handleOrderEvent } from './notification.service';

/** Consumer group of this consumer on every tenant's `orders` stream. */
export const NOTIFICATIONS_GROUP = 'notifications';

/** Options of {@link OrderEventConsumer}. */
export interface OrderEventConsumerOptions {
  prisma: PrismaClient;
  eventLog: EventLog;
  logger: Logger;
  /** Called after a notification and its outbox row committed (to wake the outbox relay); default no-op. */
  onOutboxWritten?: () => void;
  /** Consumer name within the group (default `notifications-<hostname>-<pid>`). */
  consumerName?: string;
  /** How often the stream list is refreshed, ms (default 2000). */
  refreshMs?: number;
}

const READ_COUNT = 50;
const BLOCK_MS = 1000;
const IDLE_MS = 500;
const BACKOFF_MS = 1000;
const HANDLE_ATTEMPTS = 3;

/** See module doc. A {@link Worker}: `start()` begins the loop, `stop()` ends it (within about a second). */
export class OrderEventConsumer implements Worker {
  private readonly consumer: string;
  private readonly refreshMs: number;
  private readonly logger: Logger;
  private streams: string[] = [];
  private readonly known = new Set<string>();
  private lastRefresh = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: OrderEventConsumerOptions) {
    this.consumer = options.consumerName ?? `notifications-${hostname()}-${process.pid}`;
    this.refreshMs = options.refreshMs ?? 2000;
    this.logger = options.logger.child({ worker: 'order-event-consumer', consumer: this.consumer });
  }

  /** Starts consuming (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop and waits for the current read (at most `blockMs`) and entry to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
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

  /** Re-lists the `orders` streams and creates the group on new ones. */
  private async refreshStreams(): Promise<void> {
    const streams = await this.options.eventLog.listStreams('orders');
    for (const stream of streams) {
      if (this.known.has(stream)) continue;
      await this.options.eventLog.ensureGroup(stream, NOTIFICATIONS_GROUP);
      this.known.add(stream);
    }
    this.streams = [...this.known];
    this.lastRefresh = Date.now();
  }

  private async run(): Promise<void> {
    this.logger.info('order-event consumer started');
    while (this.running) {
      try {
        if (Date.now() - this.lastRefresh >= this.refreshMs) await this.refreshStreams();
        if (this.streams.length === 0) {
          await this.sleep(IDLE_MS);
          continue;
        }
        const batch = await this.options.eventLog.readGroup(NOTIFICATIONS_GROUP, this.consumer, this.streams, {
          count: READ_COUNT,
          blockMs: BLOCK_MS,
        });
        for (const { stream, entry } of batch) {
          // Finish the batch even when stopping: every entry read is handled and acknowledged.
          await this.process(stream, entry);
        }
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'order-event consumer failed; retrying');
        await this.sleep(BACKOFF_MS);
      }
    }
    this.logger.info('order-event consumer stopped');
  }

  /**
   * Handles one entry and acknowledges it. An event whose tenant differs from its stream's tenant is
   * dropped (acknowledged) with a warning. When handling fails {@link HANDLE_ATTEMPTS} times the entry
   * is left pending (not acknowledged) and logged.
   */
  private async process(stream: string, entry: StreamEntry): Promise<void> {
    const { event } = entry;
    const key = parseStreamKey(stream);
    if (!key || key.tenantId !== event.tenantId) {
      this.logger.warn({ stream, entryId: entry.id, eventId: event.id }, 'dropped an event whose tenant does not match its stream');
      await this.options.eventLog.ack(stream, NOTIFICATIONS_GROUP, entry.id);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await handleOrderEvent(this.options.prisma, event, this.options.onOutboxWritten);
        this.logger.debug({ eventId: event.id, type: event.type, tenantId: event.tenantId, outcome }, 'order event handled');
        break;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (attempt >= HANDLE_ATTEMPTS || !this.running) {
          this.logger.error(
            { err: message, eventId: event.id, stream, entryId: entry.id },
            'order event left unacknowledged after failures',
          );
          return;
        }
        this.logger.warn({ err: message, eventId: event.id, attempt }, 'order event handling failed; retrying');
        await this.sleep(BACKOFF_MS);
      }
    }
    await this.options.eventLog.ack(stream, NOTIFICATIONS_GROUP, entry.id);
  }
}
