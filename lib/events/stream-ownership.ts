/**
 * Which streams of a topic one consumer of a group may read: one owner per stream, the streams
 * spread over the live consumers (replicas). Used by the ordered consumer (./ordered-consumer.ts).
 *
 * - **One owner per stream.** A consumer reads a stream only while it holds the stream's lease
 *   `lease:{<tenant>}:<topic>:<group>` ({@link leaseKey}; `SET NX PX leaseMs`), renewed every
 *   `leaseMs / 3` by compare and set and released on {@link StreamOwnership.stop}. So one stream's
 *   entries are never split between consumers.
 * - **Fair share.** Each consumer heartbeats in the member set `members:<topic>:<group>`
 *   ({@link groupMembersKey}) and, on every refresh, holds at most its fair share
 *   `ceil(streams / live consumers)`, giving excess leases back (a replica joined) and taking
 *   unowned ones (a new tenant, a replica stopped, or a dead replica's lease lapsed after `leaseMs`).
 *   Streams are tried in random order, so replicas do not all go for the same ones.
 * - **Validity.** A held stream counts as held only until `leaseMs / 4` before its lease could lapse
 *   since the last successful acquire or renew: when renewals fail (Redis unreachable) the consumer
 *   stops acting on the stream before another may take it. Keep `leaseMs` well above the read block
 *   and the time one entry takes.
 * - New streams get the group created at their start (`ensureGroup`); after `NOGROUP` (Redis
 *   restarted without persistence) {@link StreamOwnership.forgetGroups} makes the next refresh
 *   create them again.
 */
import type { Topic } from './domain-event';
import { groupMembersKey, leaseKey, type ConsumerGroups, type EventStreams, type StreamLeases } from './event-log';
import type { Logger } from '../logger';

/** A stream this consumer holds the lease of. A new object each time the lease is taken. */
export interface OwnedStream {
  /** Stream key. */
  readonly stream: string;
  /** Lease key ({@link leaseKey}). */
  readonly lease: string;
  /** Date.now() until which the lease is surely held (last successful acquire or renew + 3/4 of `leaseMs`). */
  validUntil: number;
}

/** The event-log slices {@link StreamOwnership} uses. */
export interface StreamOwnershipLog {
  streams: Pick<EventStreams, 'listStreams'>;
  groups: Pick<ConsumerGroups, 'ensureGroup'>;
  leases: StreamLeases;
}

/** Options of {@link StreamOwnership}. */
export interface StreamOwnershipOptions {
  topic: Topic;
  group: string;
  /** Lease holder and member name; unique per consumer instance. */
  owner: string;
  /** Lease lifetime, ms. */
  leaseMs: number;
  /** Minimum interval between two {@link StreamOwnership.refresh}es that {@link StreamOwnership.refreshDue} asks for, ms. */
  refreshMs: number;
  logger: Logger;
}

/** Refresh interval while a consumer holds no stream, ms. */
export const EMPTY_REFRESH_MS = 50;

/** Fisher-Yates shuffle (a copy). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** See module doc. */
export class StreamOwnership {
  private readonly known = new Set<string>();
  private readonly owned = new Map<string, OwnedStream>();
  private readonly membersKey: string;
  private lastRefresh = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly log: StreamOwnershipLog,
    private readonly options: StreamOwnershipOptions,
  ) {
    this.membersKey = groupMembersKey(options.topic, options.group);
  }

  /** Starts renewing the held leases every `leaseMs / 3` (idempotent). */
  start(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.options.leaseMs / 3)));
    this.renewTimer.unref();
  }

  /** The streams held now, in the order they were taken. */
  held(): OwnedStream[] {
    return [...this.owned.values()];
  }

  /** The held stream `stream`, if any. */
  get(stream: string): OwnedStream | undefined {
    return this.owned.get(stream);
  }

  /** True while `s` is still this consumer's and its lease cannot have lapsed. */
  holds(s: OwnedStream): boolean {
    return this.owned.get(s.stream) === s && Date.now() < s.validUntil;
  }

  /**
   * True when the last refresh is at least `refreshMs` old, or, while this consumer holds no
   * stream (a fresh start: the first tenant stream appears with the first event), at least
   * {@link EMPTY_REFRESH_MS} old, so the first event is not kept waiting for a whole `refreshMs`.
   */
  refreshDue(): boolean {
    const every = this.owned.size === 0 ? Math.min(EMPTY_REFRESH_MS, this.options.refreshMs) : this.options.refreshMs;
    return Date.now() - this.lastRefresh >= every;
  }

  /** Forgets which streams have the group, and asks for a refresh (after `NOGROUP`). */
  forgetGroups(): void {
    this.known.clear();
    this.lastRefresh = 0;
  }

  private validFrom(start: number): number {
    return start + this.options.leaseMs - Math.floor(this.options.leaseMs / 4);
  }

  /** Renews every held lease; drops the streams whose lease this consumer no longer holds. */
  private renew(): Promise<void> {
    if (this.renewing) return this.renewing;
    this.renewing = (async () => {
      await Promise.all(
        [...this.owned.values()].map(async (s) => {
          const start = Date.now();
          try {
            const held = await this.log.leases.renew(s.lease, this.options.owner, this.options.leaseMs);
            if (this.owned.get(s.stream) !== s) return;
            if (held) s.validUntil = this.validFrom(start);
            else {
              this.owned.delete(s.stream);
              this.options.logger.warn({ stream: s.stream }, 'lost the lease of a stream');
            }
          } catch (err) {
            this.options.logger.warn({ stream: s.stream, err: err instanceof Error ? err.message : String(err) }, 'lease renewal failed');
          }
        }),
      );
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /**
   * Re-lists the topic's streams, creates the group on new ones, heartbeats, gives back leases above
   * the fair share and takes unowned streams up to it (while `keepGoing()`).
   * @throws the event log's errors (the held streams stay as they were).
   */
  async refresh(keepGoing: () => boolean = () => true): Promise<void> {
    const { topic, group, owner, leaseMs, refreshMs, logger } = this.options;
    for (const stream of await this.log.streams.listStreams(topic)) {
      if (this.known.has(stream)) continue;
      await this.log.groups.ensureGroup(stream, group);
      this.known.add(stream);
    }
    const live = await this.log.leases.heartbeat(this.membersKey, owner, Math.max(leaseMs, 3 * refreshMs));
    const share = Math.ceil(this.known.size / Math.max(1, live));
    for (const s of this.held().reverse()) {
      if (this.owned.size <= share) break;
      this.owned.delete(s.stream);
      await this.log.leases.release(s.lease, owner);
      logger.info({ stream: s.stream }, 'gave a stream lease back to balance the replicas');
    }
    for (const stream of shuffled([...this.known].filter((k) => !this.owned.has(k)))) {
      if (this.owned.size >= share || !keepGoing()) break;
      const lease = leaseKey(stream, group);
      const start = Date.now();
      if (!(await this.log.leases.acquire(lease, owner, leaseMs))) continue;
      this.owned.set(stream, { stream, lease, validUntil: this.validFrom(start) });
      logger.info({ stream }, 'took the lease of a stream');
    }
    this.lastRefresh = Date.now();
  }

  /** Stops renewing, releases every held lease and leaves the member set (errors are ignored: the leases then lapse). */
  async stop(): Promise<void> {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.renewing;
    const held = this.held();
    this.owned.clear();
    await Promise.all(held.map((s) => this.log.leases.release(s.lease, this.options.owner).catch(() => false)));
    await this.log.leases.leave(this.membersKey, this.options.owner).catch(() => undefined);
  }
}
