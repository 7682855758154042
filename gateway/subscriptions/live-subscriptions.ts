/**
 * The live subscriptions of a gateway process, whatever transport they came through: the set of
 * running {@link LiveSubscription}s, the {@link StreamHub} that fans each tenant stream out to them
 * (one reader per stream, however many subscribers), and the {@link SharedExecutor} their executions
 * go through (subscribers with the same execution key share one execution per event; at most
 * `maxConcurrentExecutions` run at once in the process).
 */
import type { ApolloServer } from '@apollo/server';
import type { ExecutionResult } from 'graphql';
import type { DomainEvent } from '../../lib/events/domain-event';
import type { EventStreams } from '../../lib/events/event-log';
import type { Logger } from '../../lib/logger';
import type { GatewayContext } from '../gateway-context';
import { executeOperation, internalServerError } from '../execute-operation';
import { LiveSubscription, streamUnavailable } from './live-subscription';
import { ShapedResults } from './shaped-results';
import { SharedExecutor } from './shared-executor';
import { StreamHub } from './stream-hub';
import type { LivePlan } from './subscription-plan';

/** Options of {@link LiveSubscriptions}; plain values (the gateway's defaults are resolved by its caller). */
export interface LiveSubscriptionsOptions {
  apollo: ApolloServer<GatewayContext>;
  /** Reads of the tenant streams: live entries (hub) and replays. */
  eventStreams: Pick<EventStreams, 'read' | 'lastId'>;
  logger: Logger;
  /** Most entries waiting per subscription before it overflows. */
  maxQueue: number;
  /** Most subscription executions running at once in this process; others wait for a slot. */
  maxConcurrentExecutions: number;
  /** Share one execution per entry among subscribers with the same execution key. */
  sharedExecutions: boolean;
  /** Called each time a message for `event` is handed to a subscriber's socket (delivery metrics). */
  onDelivered?: (event: DomainEvent) => void;
  /** Most executions of one tenant running at once (default `maxConcurrentExecutions`). */
  maxExecutionsPerTenant?: number;
  /**
   * Most milliseconds a subscription may wait to attach to its stream, or keep failing to read the
   * history it replays, before it ends with `SERVICE_UNAVAILABLE` (default 5,000): Redis unreachable.
   */
  streamTimeoutMs?: number;
}

/** See the module doc. */
export class LiveSubscriptions {
  private readonly hub: StreamHub;
  private readonly executor: SharedExecutor;
  private readonly shapes = new ShapedResults();
  private readonly running = new Set<LiveSubscription>();
  private closed = false;

  constructor(private readonly options: LiveSubscriptionsOptions) {
    this.hub = new StreamHub(options.eventStreams, options.logger);
    this.executor = new SharedExecutor({
      maxConcurrent: options.maxConcurrentExecutions,
      maxPerTenant: options.maxExecutionsPerTenant,
      share: options.sharedExecutions,
    });
  }

  /** True once {@link close} was called: no new subscription starts. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Subscriptions attached to their stream (replaying or live): every entry appended from now on reaches them. */
  get attached(): number {
    let n = 0;
    for (const sub of this.running) if (sub.state === 'replaying' || sub.state === 'live') n++;
    return n;
  }

  /**
   * Starts a subscription for `plan` and resolves once it is attached to its stream. `onOverflow` is
   * called when the subscriber falls more than `maxQueue` entries behind (the subscription has ended;
   * the transport closes the connection); `onEnd` once it ends, whatever the reason. Resolves with an
   * `INTERNAL_SERVER_ERROR` result instead when it cannot attach (the hub is closed), or
   * `SERVICE_UNAVAILABLE` when the stream does not answer within `streamTimeoutMs`.
   */
  async start(plan: LivePlan, onOverflow: () => void, onEnd?: () => void): Promise<LiveSubscription | ExecutionResult> {
    const logger = this.options.logger.child({ requestId: plan.principal.requestId, tenantId: plan.principal.tenantId });
    const sub: LiveSubscription = new LiveSubscription(plan, {
      hub: this.hub,
      streams: this.options.eventStreams,
      executor: this.executor,
      shapes: this.shapes,
      executeOperation: (principal, request) => executeOperation(this.options.apollo, principal, request, logger),
      logger,
      maxQueue: this.options.maxQueue,
      onOverflow,
      streamTimeoutMs: this.options.streamTimeoutMs,
      onEnd: () => {
        this.running.delete(sub);
        onEnd?.();
      },
      onDelivered: this.options.onDelivered,
    });
    this.running.add(sub);
    const timeoutMs = this.options.streamTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const outcome = await Promise.race([sub.start().then(() => 'attached' as const), timedOut]);
      if (outcome === 'timeout') {
        sub.end();
        logger.warn({ stream: plan.stream, timeoutMs }, 'subscription: the event stream did not answer in time');
        return { errors: [streamUnavailable()] };
      }
    } catch (err) {
      sub.end();
      logger.error({ err: (err as Error).message, stream: plan.stream }, 'subscription: cannot attach to the stream');
      return { errors: [internalServerError()] };
    } finally {
      clearTimeout(timer);
    }
    return sub;
  }

  /**
   * Shutdown, first step: no subscription starts and no execution starts from now on (queued ones
   * are dropped); subscriptions stay open until {@link close}, so the transport can close its
   * sockets with a code that makes clients reconnect and resume, instead of completing them.
   */
  drain(): void {
    this.closed = true;
    this.executor.close();
  }

  /** Ends every subscription, stops the stream readers and drops the shared results. */
  async close(): Promise<void> {
    this.drain();
    this.closed = true;
    for (const sub of [...this.running]) sub.end();
    await this.hub.close();
    this.executor.clear();
  }
}
