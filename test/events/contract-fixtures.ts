/**
 * Shared pieces of the event-log contract suites (./event-log.contract.ts): the subject and context
 * types, events and fresh keys.
 */
import { randomUUID } from 'node:crypto';
import { streamKey, type DomainEvent, type Topic } from '../../lib/events/domain-event';
import type { EventLog } from '../../lib/events/event-log';

/** An event log under test, with the test hooks the contract needs. */
export interface EventLogSubject {
  log: EventLog;
  /**
   * Trims `stream` to exactly its newest `maxLen` entries (`XTRIM <stream> MAXLEN = <maxLen>`): the
   * log's own retention may trim approximately (Redis' `MAXLEN ~`).
   */
  trim(stream: string, maxLen: number): Promise<void>;
}

/** Options a factory gets from the suite. */
export interface EventLogFactoryOptions {
  /** Entries kept per stream (default: the implementation's). */
  retention?: number;
}

/** Makes a fresh log for one test; the suite closes it after the test. */
export type EventLogFactory = (options?: EventLogFactoryOptions) => EventLogSubject;

/** What the sub-suites share: a way to make logs (closed after each test) and fresh keys. */
export interface ContractContext {
  /** A new log for the current test (closed after it). */
  subject(options?: EventLogFactoryOptions): EventLogSubject;
}

/** A new event for `tenantId`'s stream of `topic`. */
export function testEvent(tenantId: string, topic: Topic = 'orders'): DomainEvent {
  return {
    id: randomUUID(),
    tenantId,
    topic,
    type: topic === 'orders' ? 'order.placed' : 'notification.created',
    subjectId: randomUUID(),
    occurredAt: new Date().toISOString(),
    data: { number: 'ORD-TEST', status: 'PENDING' },
  };
}

/** A tenant no other test uses, and its `orders` stream key. */
export function freshStream(): { tenantId: string; stream: string } {
  const tenantId = randomUUID();
  return { tenantId, stream: streamKey(tenantId, 'orders') };
}

/** Appends `n` new events to `tenantId`'s `orders` stream; returns the entry ids and the events. */
export async function appendEvents(log: EventLog, tenantId: string, n: number): Promise<{ ids: string[]; events: DomainEvent[] }> {
  const ids: string[] = [];
  const events: DomainEvent[] = [];
  for (let i = 0; i < n; i++) {
    const event = testEvent(tenantId);
    events.push(event);
    ids.push(await log.streams.append(event));
  }
  return { ids, events };
}

/** Settles to `true` once `promise` settled (to check that a blocking call is still waiting). */
export function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}
