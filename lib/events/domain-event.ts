/**
 * Domain events: what the outbox stores and the streams carry. Events carry ids and the tenant, not
 * the data; readers fetch the data with their own rights. `data` holds only small, display-safe facts
 * (an order's number and status) so consumers can write a notification without calling another subgraph.
 */

/** Stream topics; one Redis Stream per tenant and topic. */
export type Topic = 'orders' | 'notifications';

/** Event types per topic. */
export type DomainEventType = 'order.placed' | 'order.status_changed' | 'notification.created';

/** An event as written to the outbox and published to a stream. */
export interface DomainEvent {
  /** UUID, unique per event; consumers drop duplicates by it. */
  id: string;
  tenantId: string;
  topic: Topic;
  type: DomainEventType;
  /** Id of the object the event is about (order or notification). */
  subjectId: string;
  /** ISO 8601 time of the change. */
  occurredAt: string;
  /** Small display-safe facts, for example `{ number: 'ORD-000042', status: 'PENDING' }`. */
  data: Record<string, string>;
  /**
   * W3C `traceparent` of the span that wrote (or last relayed) the event, when tracing is on: the
   * relay, the consumers and the subscription deliveries continue that trace (as the CloudEvents
   * distributed-tracing extension carries it).
   */
  traceparent?: string;
}

/**
 * Stream key of a tenant's topic, for example `evt:{<tenant-id>}:orders`. The braces are a Redis
 * Cluster hash tag: all streams of one tenant live in the same slot.
 */
export function streamKey(tenantId: string, topic: Topic): string {
  return `evt:{${tenantId}}:${topic}`;
}

/** Parses a stream key made by {@link streamKey}; undefined for any other key. */
export function parseStreamKey(key: string): { tenantId: string; topic: Topic } | undefined {
  const m = /^evt:\{([^}]+)\}:(orders|notifications)$/.exec(key);
  return m ? { tenantId: m[1]!, topic: m[2] as Topic } : undefined;
}
