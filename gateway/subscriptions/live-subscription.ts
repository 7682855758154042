/**
 * One live subscription: an async iterator of execution results, one per stream entry that concerns
 * it, in stream order. Its states:
 *
 * - `attaching`: joining the stream's reader in the {@link StreamHub}. The hub answers with its
 *   position; the subscription receives exactly the entries after it, and buffers them for now.
 * - `replaying` (only with `after`): reads the stream's history after the cursor, page by page, up to
 *   the hub's position, while live entries keep being buffered. Once history reaches the hub's
 *   position, the buffered entries it has not replayed follow. No gap and no duplicate: whatever is
 *   at or before the hub's position comes from history, whatever is after it from the hub.
 * - `live`: queues the hub's entries as they come.
 * - `ended`: detached from the hub; `next()` answers done. Entered from any state, once.
 *
 * Only the entries that concern the subscription (its tenant, the plan's event types and subject)
 * are queued; they are executed one at a time, in stream order, through the {@link SharedExecutor}:
 * the live query runs through the gateway with the subscriber's principal, so every field is fetched
 * with the subscriber's rights; an object the subscriber cannot see (`null` without errors) is
 * skipped. Each result carries `extensions.cursor` (the entry id, to resume from).
 *
 * Bounded: more than `maxQueue` entries waiting (queued and buffered) means the subscriber falls
 * behind; the subscription ends and `onOverflow` closes its connection. Duplicates: an outbox relay
 * that crashed between publishing and marking makes the next relay publish the same event again (same
 * event id, new entry id). The hub drops the copies among live entries once per stream
 * (stream-hub.ts); a subscription that replays remembers the event ids of the entries it replays (the
 * last {@link RECENT_IDS}) and drops a replayed or live entry whose event id it has already queued.
 * A live-only subscription keeps no ids of its own.
 *
 * A replay whose history reads keep failing for `streamTimeoutMs` (Redis unreachable) sends one
 * result with a `SERVICE_UNAVAILABLE` error and ends, so the client can resubscribe with its cursor
 * later instead of waiting without an answer.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { DomainEvent } from '../../lib/events/domain-event';
import type { EventStreams, StreamEntry } from '../../lib/events/event-log';
import { compareStreamIds } from '../../lib/events/stream-id';
import type { Logger } from '../../lib/logger';
import { contextFromTraceparent, SpanKind, withSpan } from '../../lib/observability/tracing';
import type { Principal } from '../../lib/principal';
import type { OperationRequest } from '../execute-operation';
import { SUBJECT_VARIABLE } from './live-query';
import { RecentIds } from './recent-ids';
import { subscriptionMetrics, type SharedExecutor } from './shared-executor';
import type { ShapedResults } from './shaped-results';
import type { StreamAttachment, StreamHub } from './stream-hub';
import type { LivePlan } from './subscription-plan';

/** Event ids a replaying subscription remembers to drop duplicates. */
export const RECENT_IDS = 1000;

/** Where a {@link LiveSubscription} stands (see the module doc). */
export type LiveSubscriptionState = 'attaching' | 'replaying' | 'live' | 'ended';

/** The parts of a {@link LivePlan} a live subscription runs on. */
export type LiveSubscriptionPlan = Pick<
  LivePlan,
  'principal' | 'stream' | 'eventTypes' | 'subjectId' | 'after' | 'liveQuery' | 'liveVariables' | 'responseKey' | 'executionKey'
> &
  Partial<Pick<LivePlan, 'resultKey' | 'project' | 'shapeKey'>>;

/** Dependencies and limits of a {@link LiveSubscription}. */
export interface LiveSubscriptionDeps {
  hub: Pick<StreamHub, 'attach'>;
  /** History reads of the replay. */
  streams: Pick<EventStreams, 'read'>;
  executor: Pick<SharedExecutor, 'execute'>;
  /**
   * Where subscribers with the same shape key share the shaped result of a shared execution
   * (shaped-results.ts); without it (or without a plan's `shapeKey`) each shapes its own.
   */
  shapes?: ShapedResults;
  /** Runs an operation as `principal` through the gateway; never rejects (gateway/execute-operation.ts). */
  executeOperation: (principal: Principal, request: OperationRequest) => Promise<ExecutionResult>;
  logger: Logger;
  /** Most entries waiting (queued and buffered) before the subscription overflows. */
  maxQueue: number;
  /** Entries per history read of the replay (default 100). */
  replayPageSize?: number;
  /** Pause before retrying a failed history read, ms (default 500). */
  retryMs?: number;
  /** How long history reads may keep failing before the subscription fails, ms (default 5,000). */
  streamTimeoutMs?: number;
  /** Called once when the queue overflows, after the subscription ended (closes the connection). */
  onOverflow: () => void;
  /** Called once when the subscription ends, whatever the reason. */
  onEnd: () => void;
  /** Called when a result for `event` is handed to the subscriber (delivery metrics). */
  onDelivered?: (event: DomainEvent) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** `SERVICE_UNAVAILABLE`: the tenant's event stream cannot be read now (Redis unreachable). */
export function streamUnavailable(): GraphQLError {
  return new GraphQLError('The event stream is unreachable; subscribe again with your last cursor later.', {
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
}

/**
 * See the module doc. It is its own iterator (not an async generator) so that `return()` ends it at
 * once even while `next()` waits for an entry.
 */
export class LiveSubscription implements AsyncIterableIterator<ExecutionResult> {
  private current: LiveSubscriptionState = 'attaching';
  /** Entries to execute, in stream order. */
  private pending: StreamEntry[] = [];
  /** Live entries received while attaching or replaying. */
  private buffered: StreamEntry[] = [];
  /** Id of the last history entry read during the replay. */
  private replayCursor = '0-0';
  /** The hub's position when the subscription attached. */
  private hubPosition = '0-0';
  private attachment?: StreamAttachment;
  private wake?: () => void;
  /** Event ids of the entries queued during the replay (only with `after`). */
  private readonly replayed?: RecentIds;
  /** When the history reads started failing (undefined while they succeed). */
  private failingSince?: number;
  /** Set when the replay gave up: sent once, then the subscription ends. */
  private failure?: GraphQLError;

  constructor(
    readonly plan: LiveSubscriptionPlan,
    private readonly deps: LiveSubscriptionDeps,
  ) {
    if (plan.after !== undefined) this.replayed = new RecentIds(RECENT_IDS);
  }

  /** The current state. */
  get state(): LiveSubscriptionState {
    return this.current;
  }

  /**
   * Attaches to the stream (`attaching` -> `replaying` with `after`, else `live`); call once, before
   * iterating.
   * @throws Error when the hub cannot attach (it is closed); the caller ends the subscription.
   */
  async start(): Promise<void> {
    const attachment = await this.deps.hub.attach(this.plan.stream, (entries) => this.onLive(entries));
    if (this.current === 'ended') {
      attachment.detach();
      return;
    }
    this.attachment = attachment;
    this.hubPosition = attachment.position;
    if (this.plan.after !== undefined) {
      this.replayCursor = this.plan.after;
      this.current = 'replaying';
    } else {
      this.goLive();
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next result; done once the subscription ended. */
  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      const entry = await this.take();
      if (this.failure) {
        const errors = [this.failure];
        this.failure = undefined;
        this.end();
        return { done: false, value: { errors } };
      }
      if (!entry) return { done: true, value: undefined };
      const result = await this.execute(entry);
      if (this.current === 'ended') return { done: true, value: undefined };
      if (result) {
        this.deps.onDelivered?.(entry.event);
        return { done: false, value: result };
      }
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return { done: true, value: undefined };
  }

  async throw(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return { done: true, value: undefined };
  }

  /** Ends the subscription: detaches from the hub and releases a waiting `next()`. Idempotent. */
  end(): void {
    if (this.current === 'ended') return;
    this.current = 'ended';
    this.attachment?.detach();
    this.pending = [];
    this.buffered = [];
    this.wake?.();
    this.deps.onEnd();
  }

  /** Whether `entry` concerns this subscription. */
  private matches(entry: StreamEntry): boolean {
    const e = entry.event;
    return (
      e.tenantId === this.plan.principal.tenantId &&
      this.plan.eventTypes.has(e.type) &&
      (this.plan.subjectId === undefined || e.subjectId === this.plan.subjectId)
    );
  }

  /**
   * Queues `entry` unless it repeats an event queued during the replay (a relay duplicate; the hub
   * drops copies among live entries). Replayed entries' ids are remembered while replaying.
   */
  private enqueue(entry: StreamEntry): void {
    const { replayed } = this;
    const fresh = !replayed || (this.current === 'replaying' ? replayed.add(entry.event.id) : !replayed.has(entry.event.id));
    if (fresh) this.pending.push(entry);
    else subscriptionMetrics.duplicatesDropped++;
  }

  /** `attaching`/`replaying` -> `live`: queues the buffered entries after the replay cursor. */
  private goLive(): void {
    this.current = 'live';
    for (const entry of this.buffered) if (compareStreamIds(entry.id, this.replayCursor) > 0) this.enqueue(entry);
    this.buffered = [];
    if (this.pending.length > 0) this.wake?.();
  }

  /** The hub's listener: entries after the hub's position, in stream order. */
  private onLive(entries: readonly StreamEntry[]): void {
    if (this.current === 'ended') return;
    for (const entry of entries) {
      if (!this.matches(entry)) continue;
      if (this.current === 'live') this.enqueue(entry);
      else this.buffered.push(entry);
    }
    const waiting = this.pending.length + this.buffered.length;
    if (waiting > this.deps.maxQueue) {
      this.deps.logger.warn({ stream: this.plan.stream, queued: waiting }, 'subscriber too slow, closing its connection');
      this.end();
      this.deps.onOverflow();
      return;
    }
    if (this.current === 'live' && this.pending.length > 0) this.wake?.();
  }

  /** The next entry to execute, replaying history first; undefined once ended. */
  private async take(): Promise<StreamEntry | undefined> {
    while (this.current !== 'ended') {
      const next = this.pending.shift();
      if (next) return next;
      if (this.current === 'replaying') {
        await this.replayPage();
        if (this.failure) return undefined;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return undefined;
  }

  /** Reads the next page of history after the replay cursor, up to the hub's position; goes live once there. */
  private async replayPage(): Promise<void> {
    let entries: StreamEntry[];
    try {
      entries = await this.deps.streams.read(this.plan.stream, this.replayCursor, { count: this.deps.replayPageSize ?? 100 });
    } catch (err) {
      const now = Date.now();
      this.failingSince ??= now;
      if (now - this.failingSince >= (this.deps.streamTimeoutMs ?? 5_000)) {
        this.deps.logger.warn(
          { stream: this.plan.stream, err: (err as Error).message },
          'subscription replay: the stream stays unreachable, failing',
        );
        this.failure = streamUnavailable();
        return;
      }
      this.deps.logger.warn({ stream: this.plan.stream, err: (err as Error).message }, 'subscription replay: read failed, retrying');
      await sleep(this.deps.retryMs ?? 500);
      return;
    }
    this.failingSince = undefined;
    if (this.current !== 'replaying') return;
    let caughtUp = entries.length === 0;
    for (const entry of entries) {
      if (compareStreamIds(entry.id, this.hubPosition) > 0) {
        caughtUp = true; // from here on the buffer has it
        break;
      }
      this.replayCursor = entry.id;
      if (this.matches(entry)) this.enqueue(entry);
    }
    if (caughtUp || compareStreamIds(this.replayCursor, this.hubPosition) >= 0) this.goLive();
  }

  /**
   * The result for `entry`: the live query's execution is shared with the subscribers of the same
   * execution key (in the tenant's turn of the executor); each reads it into its own shape. The
   * execution is a span of the trace of the write that caused the event (the event's `traceparent`).
   * Undefined when there is nothing to send. Never rejects.
   */
  private async execute(entry: StreamEntry): Promise<ExecutionResult | undefined> {
    const { plan } = this;
    const raw = await this.deps.executor.execute(
      plan.executionKey,
      entry.id,
      () =>
        withSpan(
          `subscription execute ${entry.event.topic}`,
          {
            kind: SpanKind.CONSUMER,
            parent: contextFromTraceparent(entry.event.traceparent),
            attributes: { 'messaging.message.id': entry.event.id, 'event.type': entry.event.type, 'stream.entry_id': entry.id },
          },
          () =>
            this.deps.executeOperation(plan.principal, {
              query: plan.liveQuery,
              variables: { ...plan.liveVariables, [SUBJECT_VARIABLE]: entry.event.subjectId },
            }),
        ),
      plan.principal.tenantId,
    );
    if (!raw) return undefined;
    const { shapes } = this.deps;
    return shapes && plan.shapeKey !== undefined ? shapes.get(raw, plan.shapeKey, () => this.shape(raw, entry)) : this.shape(raw, entry);
  }

  /**
   * Keeps the root field of `result`, in the subscriber's shape, with the entry's cursor. A raw result
   * is always for one entry, so subscribers with the same shape key can share what this returns.
   */
  private shape(result: ExecutionResult, entry: StreamEntry): ExecutionResult | undefined {
    const { plan } = this;
    const value = (result.data as Record<string, unknown> | null | undefined)?.[plan.resultKey ?? plan.responseKey];
    const errors = result.errors?.length ? result.errors : undefined;
    if ((value === null || value === undefined) && !errors) return undefined; // not visible to this subscriber
    const shaped = value === null || value === undefined ? null : plan.project ? plan.project(value) : value;
    return {
      data: shaped === null ? null : { [plan.responseKey]: shaped },
      ...(errors ? { errors } : {}),
      extensions: { cursor: entry.id },
    };
  }
}
