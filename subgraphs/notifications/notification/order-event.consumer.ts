/**
 * The order-event consumer: reads topic `orders` of every tenant through the Redis consumer group
 * `notifications` and turns each event into a notification ({@link handleOrderEvent}).
 *
 * - **At least once, idempotent.** An entry is acknowledged only after its notification committed
 *   (or it was ignored); a redelivered or duplicated event (same event id, for example republished
 *   by an outbox relay that crashed between publish and mark) creates nothing, since notifications
 *   are unique per (tenant, source event id).
 * - **Stuck entries.** Entries read by a consumer that died before acknowledging stay pending in the
 *   group. Every `claimEveryMs` the consumer takes over entries idle for at least `claimIdleMs`
 *   (`XAUTOCLAIM`; default 30 s, env `CONSUMER_CLAIM_IDLE_MS`), its own failed ones included.
 * - **Poison entries.** An entry whose handling failed on its `maxDeliveries`-th delivery (Redis'
 *   delivery counter; default 5, env `CONSUMER_MAX_DELIVERIES`) is moved to the dead-letter stream
 *   `evt:{<tenant>}:orders:dlq` with the error as `reason`, and acknowledged. Each delivery first
 *   retries in process `handleAttempts` times, `retryMs` apart, for transient errors.
 * - **Order.** One consumer handles the entries of a read one at a time, in stream order, and a
 *   stream holds one tenant's events in the order their transactions committed (the outbox relay
 *   publishes a tenant's rows in `seq` order, one relay per tenant at a time); the events of one
 *   order are written by transactions that update that order's row, so they commit in order. Hence a
 *   live consumer applies the events of one order in order. Across consumers of the group, entries
 *   are split between them, and an entry retried after a failure or reclaimed from a dead consumer
 *   can be applied after a later event of the same order; that only changes the creation order of
 *   two independent notifications (each says what happened), never their content.
 * - If the group disappears (Redis restarted without persistence), `NOGROUP` makes the consumer
 *   re-create the groups on its next stream refresh.
 */
import { hostname } from 'node:os';
import type { PrismaClient } from '../../../lib/db/prisma-client';
import { parseStreamKey } from '../../../lib/events/domain-event';
import type { DomainEvent } from '../../../lib/events/domain-event';
import type { EventLog, GroupEntry } from '../../../lib/events/event-log';
import type { Logger } from '../../../lib/logger';
import type { Worker } from '../../shared/subgraph-server';
import { handleOrderEvent, type OrderEventOutcome } from './notification.service';

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
  /**
   * A pending entry idle this long, ms, is taken over from its consumer (default
   * `CONSUMER_CLAIM_IDLE_MS` or 30,000).
   */
  claimIdleMs?: number;
  /** How often stale entries are looked for, ms (default `min(claimIdleMs, 10,000)`). */
  claimEveryMs?: number;
  /** Delivery at which a failing entry goes to the dead-letter stream (default `CONSUMER_MAX_DELIVERIES` or 5). */
  maxDeliveries?: number;
  /** Attempts per delivery before giving the delivery up (default 3). */
  handleAttempts?: number;
  /** Pause between attempts and after a failed read, ms (default 1000). */
  retryMs?: number;
  /** Handles one event (default {@link handleOrderEvent}); tests replace it. */
  handle?: (event: DomainEvent) => Promise<OrderEventOutcome>;
}

const READ_COUNT = 50;
const BLOCK_MS = 1000;
const IDLE_MS = 500;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** See module doc. A {@link Worker}: `start()` begins the loop, `stop()` ends it (within about a second). */
export class OrderEventConsumer implements Worker {
  private readonly consumer: string;
  private readonly refreshMs: number;
  private readonly claimIdleMs: number;
  private readonly claimEveryMs: number;
  private readonly maxDeliveries: number;
  private readonly handleAttempts: number;
  private readonly retryMs: number;
  private readonly handle: (event: DomainEvent) => Promise<OrderEventOutcome>;
  private lastClaim = 0;
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
    this.claimIdleMs = options.claimIdleMs ?? envInt('CONSUMER_CLAIM_IDLE_MS', 30_000);
    this.claimEveryMs = options.claimEveryMs ?? Math.min(this.claimIdleMs, 10_000);
    this.maxDeliveries = options.maxDeliveries ?? envInt('CONSUMER_MAX_DELIVERIES', 5);
    this.handleAttempts = options.handleAttempts ?? 3;
    this.retryMs = options.retryMs ?? 1000;
    this.handle = options.handle ?? ((event) => handleOrderEvent(options.prisma, event, options.onOutboxWritten));
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
        if (Date.now() - this.lastClaim >= this.claimEveryMs) {
          this.lastClaim = Date.now();
          const stale = await this.options.eventLog.claimStale(NOTIFICATIONS_GROUP, this.consumer, this.streams, this.claimIdleMs, {
            count: READ_COUNT,
          });
          if (stale.length) this.logger.info({ claimed: stale.length }, 'took over stale pending entries');
          for (const item of stale) await this.process(item);
        }
        const batch = await this.options.eventLog.readGroup(NOTIFICATIONS_GROUP, this.consumer, this.streams, {
          count: READ_COUNT,
          blockMs: BLOCK_MS,
        });
        // One entry at a time, in stream order (see module doc). Finish the batch even when
        // stopping: every entry read is handled and acknowledged, or left pending for a reclaim.
        for (const item of batch) await this.process(item);
      } catch (err) {
        if (!this.running) break;
        const message = err instanceof Error ? err.message : String(err);
        if (message.includes('NOGROUP')) {
          // The stream or its group vanished (Redis restarted empty): re-create the groups.
          this.known.clear();
          this.lastRefresh = 0;
        }
        this.logger.warn({ err: message }, 'order-event consumer failed; retrying');
        await this.sleep(this.retryMs);
      }
    }
    this.logger.info('order-event consumer stopped');
  }

  /**
   * Handles one entry and acknowledges it. An event whose tenant differs from its stream's tenant is
   * dropped (acknowledged) with a warning. When handling fails `handleAttempts` times the entry is
   * left pending (reclaimed after `claimIdleMs`), or, on its `maxDeliveries`-th delivery, moved to
   * the dead-letter stream with the error as reason.
   */
  private async process({ stream, entry, deliveries }: GroupEntry): Promise<void> {
    const { event } = entry;
    const key = parseStreamKey(stream);
    if (!key || key.tenantId !== event.tenantId) {
      this.logger.warn({ stream, entryId: entry.id, eventId: event.id }, 'dropped an event whose tenant does not match its stream');
      await this.options.eventLog.ack(stream, NOTIFICATIONS_GROUP, entry.id);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.handle(event);
        this.logger.debug({ eventId: event.id, type: event.type, tenantId: event.tenantId, outcome }, 'order event handled');
        break;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (attempt >= this.handleAttempts || !this.running) {
          if (deliveries >= this.maxDeliveries) {
            await this.options.eventLog.deadLetter(stream, NOTIFICATIONS_GROUP, entry, message);
            this.logger.error(
              { err: message, eventId: event.id, stream, entryId: entry.id, deliveries },
              'order event moved to the dead-letter stream',
            );
          } else {
            this.logger.error(
              { err: message, eventId: event.id, stream, entryId: entry.id, deliveries },
              'order event left pending after failures; it will be retried',
            );
          }
          return;
        }
        this.logger.warn({ err: message, eventId: event.id, attempt }, 'order event handling failed; retrying');
        await this.sleep(this.retryMs);
      }
    }
    await this.options.eventLog.ack(stream, NOTIFICATIONS_GROUP, entry.id);
  }
}
