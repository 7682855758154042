/**
 * Writes domain events to the transactional outbox, inside the unit of work whose change they
 * announce, so both commit or neither does (lib/events/outbox-relay.ts publishes them). After the
 * commit, the relay of this process is woken so the event goes out at once rather than at its next poll.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../lib/db/prisma-client';
import type { TenantClient, UnitOfWork } from '../../lib/db/tenant-scope';
import type { DomainEvent, DomainEventType, Topic } from '../../lib/events/domain-event';
import { activeTraceparent } from '../../lib/observability/tracing';

/** What a caller supplies for an event; id, time and tenant are filled in. */
export interface NewDomainEvent {
  topic: Topic;
  type: DomainEventType;
  /** Id of the object the event is about. */
  subjectId: string;
  /** Small display-safe facts (see DomainEvent.data). */
  data: Record<string, string>;
}

/** Inserts the outbox row of `event` with transaction client `tx` (the caller's transaction). */
export async function insertOutboxEvent(tx: TenantClient, event: DomainEvent): Promise<void> {
  await tx.outboxEvent.create({
    data: {
      id: event.id,
      tenantId: event.tenantId,
      topic: event.topic,
      type: event.type,
      payload: event as unknown as Prisma.InputJsonValue,
    },
  });
}

/** See module doc. One per process; safe to share between requests. */
export class OutboxRepository {
  /** @param onCommitted called after a unit of work that wrote events committed (wakes the relay). */
  constructor(private readonly onCommitted: () => void = () => undefined) {}

  /**
   * Appends `input` as an event of the unit of work's tenant to the outbox, in its transaction;
   * returns the event. The relay is woken after the commit (once per unit of work). The event
   * carries the `traceparent` of the active span (when tracing is on), so its relay, consumers and
   * deliveries continue the trace of this write.
   */
  async append(uow: UnitOfWork, input: NewDomainEvent): Promise<DomainEvent> {
    const traceparent = activeTraceparent();
    const event: DomainEvent = {
      id: randomUUID(),
      tenantId: uow.tenantId,
      occurredAt: new Date().toISOString(),
      ...input,
      ...(traceparent ? { traceparent } : {}),
    };
    await uow.run((tx) => insertOutboxEvent(tx, event));
    uow.afterCommit(this.onCommitted);
    return event;
  }
}
