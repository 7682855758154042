/**
 * One delivery of one entry, for the ordered consumer (./ordered-consumer.ts): hands the event to
 * the handler, retrying in process, then acknowledges it, leaves it pending, or dead-letters it.
 *
 * - **At least once.** An entry is acknowledged only after the handler resolved (or the entry was
 *   dropped or dead-lettered). A redelivered or duplicated event (same event id, for example
 *   republished by an outbox relay that crashed between publish and mark) reaches the handler again,
 *   so handlers must be idempotent.
 * - **Retries.** Each delivery calls the handler up to `handleAttempts` times, `retryMs` apart, for
 *   transient errors; then the entry is left pending (the consumer delivers it again later, before
 *   the later entries of its stream).
 * - **Poison entries.** An entry whose handling failed on its `maxDeliveries`-th delivery is moved
 *   to its stream's dead-letter stream `<stream>:dlq` ({@link deadLetterKey}) with the error as
 *   `reason`, and acknowledged (atomically); the stream goes on.
 * - **Tenant check.** An event whose `tenantId` differs from its stream's tenant (or whose stream
 *   key is not a tenant stream key) is acknowledged and dropped with a warning, never handled: a
 *   stream only ever carries its own tenant's events.
 * - **Correlation.** Each handler call runs in a consumer span whose parent is the event's
 *   `traceparent` (the trace of the write that caused it) and in a correlation context with the
 *   event id, tenant and trace id, so every log line of the handling carries them.
 */
import { parseStreamKey, type DomainEvent } from './domain-event';
import type { ConsumerGroups, GroupEntry } from './event-log';
import type { Logger } from '../logger';
import { annotateRequestContext, runWithRequestContext } from '../observability/request-context';
import { contextFromTraceparent, SpanKind, withSpan } from '../observability/tracing';
import { noteWork } from '../runtime/work-signal';

/** Where an event handed to a handler comes from. */
export interface EntryRef {
  /** Stream key. */
  stream: string;
  /** Entry id in the stream. */
  entryId: string;
}

/**
 * Applies one event. Resolves when done (the resolved value is logged at debug level); rejects to
 * have the entry retried, and finally dead-lettered. Must be idempotent (at-least-once delivery).
 */
export type EventHandler = (event: DomainEvent, entry: EntryRef) => Promise<unknown>;

/** Settings of an {@link EntryProcessor}. */
export interface EntryProcessorOptions {
  group: string;
  /** Handler calls per delivery. */
  handleAttempts: number;
  /** Delivery whose failure dead-letters the entry. */
  maxDeliveries: number;
  /** Pause between two handler calls of one delivery, ms. */
  retryMs: number;
  logger: Logger;
  /** Sleeps `ms`, or less when the consumer stops. */
  sleep: (ms: number) => Promise<void>;
  /** False once the consumer is stopping: no more retries. */
  running: () => boolean;
}

/** See module doc. */
export class EntryProcessor {
  constructor(
    private readonly groups: Pick<ConsumerGroups, 'ack' | 'deadLetter'>,
    private readonly handler: EventHandler,
    private readonly options: EntryProcessorOptions,
  ) {}

  /**
   * Handles one entry and acknowledges it; true when done with it (handled, dropped or
   * dead-lettered), false when it was left pending after `handleAttempts` failures.
   * @param deliveries which delivery this is (1 for the first), as far as the consumer attempted them.
   * @throws the event log's errors (ack, dead-letter): the entry then stays pending.
   */
  async process({ stream, entry }: GroupEntry, deliveries: number): Promise<boolean> {
    const { group, handleAttempts, maxDeliveries, retryMs, logger } = this.options;
    const { event } = entry;
    noteWork();
    const key = parseStreamKey(stream);
    if (!key || key.tenantId !== event.tenantId) {
      logger.warn({ stream, entryId: entry.id, eventId: event.id }, 'dropped an event whose tenant does not match its stream');
      await this.groups.ack(stream, group, entry.id);
      return true;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await runWithRequestContext({ eventId: event.id, tenantId: event.tenantId }, () =>
          withSpan(
            `consume ${event.type}`,
            {
              kind: SpanKind.CONSUMER,
              parent: contextFromTraceparent(event.traceparent),
              attributes: { 'messaging.consumer.group.name': group, 'messaging.message.id': event.id, 'tenant.id': event.tenantId },
            },
            (span) => {
              if (span.isRecording()) annotateRequestContext({ traceId: span.spanContext().traceId });
              return this.handler(event, { stream, entryId: entry.id });
            },
          ),
        );
        logger.debug({ eventId: event.id, type: event.type, tenantId: event.tenantId, outcome }, 'event handled');
        break;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const context = { err: message, eventId: event.id, stream, entryId: entry.id, deliveries };
        if (attempt >= handleAttempts || !this.options.running()) {
          if (deliveries >= maxDeliveries) {
            await this.groups.deadLetter(stream, group, entry, message);
            logger.error(context, 'event moved to the dead-letter stream');
            return true;
          }
          logger.error(context, 'event left pending after failures; it will be retried before the later entries of its stream');
          return false;
        }
        logger.warn({ ...context, attempt }, 'event handling failed; retrying');
        await this.options.sleep(retryMs);
      }
    }
    await this.groups.ack(stream, group, entry.id);
    return true;
  }
}
