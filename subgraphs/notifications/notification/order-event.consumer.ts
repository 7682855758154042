/**
 * The order-event consumer: reads topic `orders` of every tenant through the Redis consumer group
 * `notifications` and turns each event into a notification ({@link handleOrderEvent}), applying the
 * events of each tenant stream (hence of each order) one at a time, in stream order, whatever the
 * failures, restarts and number of replicas.
 *
 * - **At least once, idempotent.** An entry is acknowledged only after its notification committed
 *   (or it was ignored); a redelivered or duplicated event (same event id, for example republished
 *   by an outbox relay that crashed between publish and mark) creates nothing, since notifications
 *   are unique per (tenant, source event id).
 * - **One owner per stream.** A consumer reads a tenant stream only while it holds the stream's
 *   lease `lease:{<tenant>}:orders:notifications` ({@link leaseKey}: `SET NX PX leaseMs`, default
 *   10 s, env `CONSUMER_LEASE_MS`), renewed every `leaseMs / 3` by compare and set and released on
 *   `stop()`. So XREADGROUP never splits one stream's entries between consumers. Streams are spread
 *   over the replicas: each consumer heartbeats in the member set `members:orders:notifications`
 *   and, on every stream refresh, holds at most its fair share `ceil(streams / live consumers)`,
 *   giving excess leases back (a replica joined) and taking unowned ones (new tenant, a replica
 *   stopped, or a dead replica's lease lapsed after `leaseMs`). The consumer stops acting on a stream
 *   `leaseMs / 4` before its lease could lapse when renewals fail (Redis unreachable), so keep
 *   `leaseMs` well above the read block (1 s) and the time one entry takes.
 * - **Pending first.** When a consumer takes a stream over (start-up included), and after anything
 *   that may have left entries unhandled (a failed entry, an error, a lost or returned lease, and
 *   every `leaseMs` as a safety net), it first takes every pending entry of the stream's group,
 *   its own and a previous owner's (`XAUTOCLAIM` with min-idle 0: it owns the stream now), and
 *   handles them in id order; only when none is left does it read new entries (`XREADGROUP >`).
 * - **Never skip a failing entry.** When an entry's handling fails (each delivery first retries in
 *   process `handleAttempts` times, `retryMs` apart, for transient errors), the stream's later
 *   entries are not handled (they stay pending, unacknowledged); after `redeliverMs` the failed entry
 *   is delivered again, first. Other streams keep flowing meanwhile.
 * - **Poison entries.** An entry that failed on its `maxDeliveries`-th delivery (default 5, env
 *   `CONSUMER_MAX_DELIVERIES`; Redis' delivery counter, less the deliveries this consumer knows it
 *   never attempted because an earlier entry failed) is moved to the dead-letter stream
 *   `evt:{<tenant>}:orders:dlq` with the error as `reason`, and acknowledged; the stream goes on.
 *   A poison entry thus holds its tenant's later events back for about `maxDeliveries` x
 *   (`handleAttempts` x `retryMs` + `redeliverMs`).
 * - **Order.** A stream holds one tenant's events in the order their transactions committed (the
 *   outbox relay publishes a tenant's rows in `seq` order, one relay per tenant at a time), and the
 *   events of one order are written by transactions that update that order's row, so they commit in
 *   order. With one owner per stream, pending entries first and no skipping, the events of one order
 *   are applied in order. The remaining window is the lease's: a consumer stalled for longer than
 *   `leaseMs` (a long pause with an entry in hand) can finish that entry after the next owner went
 *   on; idempotency keeps it from creating anything twice.
 * - If the group disappears (Redis restarted without persistence), `NOGROUP` makes the consumer
 *   re-create the groups on its next stream refresh.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { envInt } from '../../../lib/config';
import type { PrismaClient } from '../../../lib/db/prisma-client';
import { parseStreamKey } from '../../../lib/events/domain-event';
import type { DomainEvent } from '../../../lib/events/domain-event';
import { groupMembersKey, leaseKey, type EventLog, type GroupEntry } from '../../../lib/events/event-log';
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
  /** How often the stream list is refreshed and leases are balanced, ms (default 2000). */
  refreshMs?: number;
  /**
   * Lifetime of a stream lease, ms: a dead consumer's streams move to another after this long
   * (default `CONSUMER_LEASE_MS` or 10,000). Renewed every third of it.
   */
  leaseMs?: number;
  /** Delivery at which a failing entry goes to the dead-letter stream (default `CONSUMER_MAX_DELIVERIES` or 5). */
  maxDeliveries?: number;
  /** Attempts per delivery before giving the delivery up (default 3). */
  handleAttempts?: number;
  /** Pause between attempts and after a failed read, ms (default 1000). */
  retryMs?: number;
  /** Pause before a failed entry is delivered again, ms; its stream waits meanwhile (default 5000). */
  redeliverMs?: number;
  /** Handles one event (default {@link handleOrderEvent}); tests replace it. */
  handle?: (event: DomainEvent) => Promise<OrderEventOutcome>;
}

/** A stream this consumer holds the lease of. */
interface OwnedStream {
  lease: string;
  /** Date.now() until which the lease is surely held (last successful acquire or renew + 3/4 of `leaseMs`). */
  validUntil: number;
  /** The stream's pending entries must be handled before new ones are read. */
  pendingFirst: boolean;
  /** Date.now() before which the stream waits (a failed entry's next delivery). */
  retryAt: number;
  /** Entry id -> deliveries Redis counted that this consumer did not attempt (an earlier entry failed). */
  unattempted: Map<string, number>;
}

const READ_COUNT = 50;
const BLOCK_MS = 1000;
const IDLE_MS = 500;

/** Fisher-Yates shuffle (a copy), so replicas do not all try the same streams first. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** See module doc. A {@link Worker}: `start()` begins the loop, `stop()` ends it (within about a second). */
export class OrderEventConsumer implements Worker {
  private readonly consumer: string;
  /** Lease holder and member name: the consumer name plus a per-instance suffix. */
  private readonly owner: string;
  private readonly membersKey = groupMembersKey('orders', NOTIFICATIONS_GROUP);
  private readonly refreshMs: number;
  private readonly leaseMs: number;
  private readonly maxDeliveries: number;
  private readonly handleAttempts: number;
  private readonly retryMs: number;
  private readonly redeliverMs: number;
  private readonly handle: (event: DomainEvent) => Promise<OrderEventOutcome>;
  private readonly logger: Logger;
  private readonly eventLog: EventLog;
  private readonly known = new Set<string>();
  private readonly owned = new Map<string, OwnedStream>();
  private lastRefresh = 0;
  private lastSweep = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(private readonly options: OrderEventConsumerOptions) {
    this.consumer = options.consumerName ?? `notifications-${hostname()}-${process.pid}`;
    this.owner = `${this.consumer}#${randomUUID().slice(0, 8)}`;
    this.refreshMs = options.refreshMs ?? 2000;
    this.leaseMs = options.leaseMs ?? envInt('CONSUMER_LEASE_MS', 10_000, 1);
    this.maxDeliveries = options.maxDeliveries ?? envInt('CONSUMER_MAX_DELIVERIES', 5, 1);
    this.handleAttempts = options.handleAttempts ?? 3;
    this.retryMs = options.retryMs ?? 1000;
    this.redeliverMs = options.redeliverMs ?? 5000;
    this.eventLog = options.eventLog;
    this.handle = options.handle ?? ((event) => handleOrderEvent(options.prisma, event, options.onOutboxWritten));
    this.logger = options.logger.child({ worker: 'order-event-consumer', consumer: this.consumer });
  }

  /** Starts consuming (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.loop = this.run();
  }

  /**
   * Stops the loop, waiting for the current read (at most 1 s) and entry to finish, then releases
   * the leases (the next owner takes the stream's pending entries first) and leaves the member set.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.renewing;
    const owned = [...this.owned.values()];
    this.owned.clear();
    await Promise.all(owned.map((s) => this.eventLog.leases.release(s.lease, this.owner).catch(() => false)));
    await this.eventLog.leases.leave(this.membersKey, this.owner).catch(() => undefined);
  }

  /** Keys of the streams this consumer holds the lease of (observability and tests). */
  ownedStreams(): string[] {
    return [...this.owned.keys()];
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

  /** True while this consumer may act on `s` (its lease cannot have lapsed). */
  private holds(stream: string, s: OwnedStream): boolean {
    return this.running && this.owned.get(stream) === s && Date.now() < s.validUntil;
  }

  private validFrom(start: number): number {
    return start + this.leaseMs - Math.floor(this.leaseMs / 4);
  }

  /** Renews every held lease; drops the streams whose lease another consumer now holds. */
  private renewLeases(): Promise<void> {
    if (this.renewing) return this.renewing;
    this.renewing = (async () => {
      await Promise.all(
        [...this.owned].map(async ([stream, s]) => {
          const start = Date.now();
          try {
            const held = await this.eventLog.leases.renew(s.lease, this.owner, this.leaseMs);
            if (this.owned.get(stream) !== s) return;
            if (held) s.validUntil = this.validFrom(start);
            else {
              this.owned.delete(stream);
              this.logger.warn({ stream }, 'lost the lease of a stream');
            }
          } catch (err) {
            this.logger.warn({ stream, err: err instanceof Error ? err.message : String(err) }, 'lease renewal failed');
          }
        }),
      );
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /**
   * Re-lists the `orders` streams, creates the group on new ones, heartbeats, gives back leases above
   * the fair share and takes unowned streams up to it.
   */
  private async refreshStreams(): Promise<void> {
    const streams = await this.eventLog.streams.listStreams('orders');
    for (const stream of streams) {
      if (this.known.has(stream)) continue;
      await this.eventLog.groups.ensureGroup(stream, NOTIFICATIONS_GROUP);
      this.known.add(stream);
    }
    const live = await this.eventLog.leases.heartbeat(this.membersKey, this.owner, Math.max(this.leaseMs, 3 * this.refreshMs));
    const share = Math.ceil(this.known.size / Math.max(1, live));
    for (const [stream, s] of [...this.owned].reverse()) {
      if (this.owned.size <= share) break;
      this.owned.delete(stream);
      await this.eventLog.leases.release(s.lease, this.owner);
      this.logger.info({ stream }, 'gave a stream lease back to balance the replicas');
    }
    for (const stream of shuffled([...this.known].filter((k) => !this.owned.has(k)))) {
      if (this.owned.size >= share || !this.running) break;
      const lease = leaseKey(stream, NOTIFICATIONS_GROUP);
      const start = Date.now();
      if (!(await this.eventLog.leases.acquire(lease, this.owner, this.leaseMs))) continue;
      this.owned.set(stream, { lease, validUntil: this.validFrom(start), pendingFirst: true, retryAt: 0, unattempted: new Map() });
      this.logger.info({ stream }, 'took the lease of a stream');
    }
    this.lastRefresh = Date.now();
  }

  private async run(): Promise<void> {
    this.logger.info('order-event consumer started');
    while (this.running) {
      try {
        if (Date.now() - this.lastRefresh >= this.refreshMs) await this.refreshStreams();
        if (Date.now() - this.lastSweep >= this.leaseMs) {
          // Safety net: an entry read by a consumer just after it lost the lease stays pending with it.
          this.lastSweep = Date.now();
          for (const s of this.owned.values()) s.pendingFirst = true;
        }
        // Pending entries first, per stream, in id order.
        for (const [stream, s] of [...this.owned]) {
          if (!this.running) break;
          if (s.pendingFirst && Date.now() >= s.retryAt && this.holds(stream, s)) await this.drainPending(stream, s);
        }
        const now = Date.now();
        const ready = [...this.owned].filter(([stream, s]) => !s.pendingFirst && this.holds(stream, s)).map(([stream]) => stream);
        const pendingReady = [...this.owned].some(([stream, s]) => s.pendingFirst && now >= s.retryAt && this.holds(stream, s));
        if (!this.running) break;
        if (ready.length === 0) {
          if (!pendingReady) {
            const nextRetry = Math.min(now + IDLE_MS, ...[...this.owned.values()].map((s) => s.retryAt).filter((t) => t > now));
            await this.sleep(Math.max(10, nextRetry - now));
          }
          continue;
        }
        // Block no longer than until the next failed entry's redelivery.
        const nextRetry = Math.min(now + BLOCK_MS, ...[...this.owned.values()].map((s) => s.retryAt).filter((t) => t > now));
        const batch = await this.eventLog.groups.readGroup(NOTIFICATIONS_GROUP, this.consumer, ready, {
          count: READ_COUNT,
          blockMs: pendingReady ? undefined : Math.max(1, nextRetry - now),
        });
        const byStream = new Map<string, GroupEntry[]>();
        for (const item of batch) {
          let list = byStream.get(item.stream);
          if (!list) byStream.set(item.stream, (list = []));
          list.push(item);
        }
        for (const [stream, items] of byStream) {
          const s = this.owned.get(stream);
          if (s) await this.handleInOrder(stream, s, items);
          // else: the lease was lost during the read; the entries stay pending for the next owner.
        }
      } catch (err) {
        // Whatever was read and not handled is pending with this consumer: take it first next time.
        for (const s of this.owned.values()) s.pendingFirst = true;
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

  /** Takes the stream's pending entries (every consumer's) and handles them in id order. */
  private async drainPending(stream: string, s: OwnedStream): Promise<void> {
    const claimed = await this.eventLog.groups.claimPending(NOTIFICATIONS_GROUP, this.consumer, [stream], 0, { count: READ_COUNT });
    if (claimed.length) this.logger.debug({ stream, claimed: claimed.length }, 'handling pending entries first');
    const done = await this.handleInOrder(stream, s, claimed);
    if (done && claimed.length < READ_COUNT) {
      s.pendingFirst = false;
      s.unattempted.clear();
    }
  }

  /**
   * Handles one stream's entries in order, stopping at the first that fails (it and the later ones
   * stay pending; the stream goes back to pending-first after `redeliverMs`) or when the lease is no
   * longer surely held. True when all were handled.
   */
  private async handleInOrder(stream: string, s: OwnedStream, items: GroupEntry[]): Promise<boolean> {
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const attempted = this.holds(stream, s);
      if (attempted) {
        const skipped = s.unattempted.get(item.entry.id) ?? 0;
        s.unattempted.delete(item.entry.id);
        if (await this.process(item, Math.max(1, item.deliveries - skipped))) continue;
        s.retryAt = Date.now() + this.redeliverMs;
      }
      s.pendingFirst = true;
      for (const later of items.slice(attempted ? i + 1 : i)) {
        s.unattempted.set(later.entry.id, (s.unattempted.get(later.entry.id) ?? 0) + 1);
      }
      return false;
    }
    return true;
  }

  /**
   * Handles one entry and acknowledges it; true when done with it (handled, dropped or
   * dead-lettered). An event whose tenant differs from its stream's tenant is dropped (acknowledged)
   * with a warning. When handling fails `handleAttempts` times the entry is left pending (false), or,
   * on its `maxDeliveries`-th delivery, moved to the dead-letter stream with the error as reason.
   */
  private async process({ stream, entry }: GroupEntry, deliveries: number): Promise<boolean> {
    const { event } = entry;
    const key = parseStreamKey(stream);
    if (!key || key.tenantId !== event.tenantId) {
      this.logger.warn({ stream, entryId: entry.id, eventId: event.id }, 'dropped an event whose tenant does not match its stream');
      await this.eventLog.groups.ack(stream, NOTIFICATIONS_GROUP, entry.id);
      return true;
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
            await this.eventLog.groups.deadLetter(stream, NOTIFICATIONS_GROUP, entry, message);
            this.logger.error(
              { err: message, eventId: event.id, stream, entryId: entry.id, deliveries },
              'order event moved to the dead-letter stream',
            );
            return true;
          }
          this.logger.error(
            { err: message, eventId: event.id, stream, entryId: entry.id, deliveries },
            'order event left pending after failures; it will be retried before the later entries of its stream',
          );
          return false;
        }
        this.logger.warn({ err: message, eventId: event.id, attempt }, 'order event handling failed; retrying');
        await this.sleep(this.retryMs);
      }
    }
    await this.eventLog.groups.ack(stream, NOTIFICATIONS_GROUP, entry.id);
    return true;
  }
}
