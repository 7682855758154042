/**
 * Writes domain events to the transactional outbox. Call it with the transaction client of the write
 * the event announces, so both commit or neither does (lib/events/outbox-relay.ts publishes them).
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../lib/db/prisma-client';
import type { DomainEvent, DomainEventType, Topic } from '../../lib/events/domain-event';

/** What a caller supplies for an event; id and time are filled in. */
export interface NewDomainEvent {
  tenantId: string;
  topic: Topic;
  type: DomainEventType;
  subjectId: string;
  data: Record<string, string>;
}

/** Inserts an outbox row inside transaction `tx`; returns the event. */
export async function writeOutboxEvent(tx: Prisma.TransactionClient, input: NewDomainEvent): Promise<DomainEvent> {
  const event: DomainEvent = { id: randomUUID(), occurredAt: new Date().toISOString(), ...input };
  await tx.outboxEvent.create({
    data: {
      id: event.id,
      tenantId: event.tenantId,
      topic: event.topic,
      type: event.type,
      payload: event as unknown as Prisma.InputJsonValue,
    },
  });
  return event;
}
