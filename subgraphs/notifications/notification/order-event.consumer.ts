/**
 * The order-event consumer: the library's ordered consumer (lib/events/ordered-consumer.ts) on topic
 * `orders` of every tenant, consumer group `notifications`, turning each event into a notification
 * ({@link handleOrderEvent}) in a context bound to the event's tenant: the same database path
 * (tenant scope, repositories, units of work, outbox) as a request of that tenant.
 *
 * Events of one order are applied in order: a tenant stream holds the tenant's events in the order
 * their transactions committed (the outbox relay publishes a tenant's rows in `seq` order, one relay
 * per tenant at a time), the events of one order are written by transactions that update that
 * order's row, so they commit in order, and the ordered consumer applies each stream's entries one
 * at a time, in stream order. Redelivered or duplicated events create nothing: notifications are
 * unique per (tenant, source event id).
 */
import type { TenantDatabase } from '../../../lib/db/tenant-database';
import type { DomainEvent } from '../../../lib/events/domain-event';
import { OrderedConsumer } from '../../../lib/events/ordered-consumer';
import type { OrderedConsumerLog, OrderedConsumerOptions } from '../../../lib/events/ordered-consumer-options';
import type { Logger } from '../../../lib/logger';
import { isUuid } from '../../../lib/uuid';
import { createTenantContext } from '../../shared/context';
import type { OutboxRepository } from '../../shared/outbox.repository';
import { notificationsRepositories } from '../notifications.context';
import { handleOrderEvent, type OrderEventOutcome } from './notification.service';

/** Consumer group of this consumer on every tenant's `orders` stream. */
export const NOTIFICATIONS_GROUP = 'notifications';

/** Options of {@link createOrderEventConsumer}: dependencies, and the ordered consumer's tuning (library defaults). */
export interface OrderEventConsumerOptions extends Omit<OrderedConsumerOptions, 'topic' | 'group' | 'logger'> {
  /** Tenant scopes: each event is handled on its own tenant's. */
  database: TenantDatabase;
  /** The event log (or just the slices the consumer uses). */
  eventLog: OrderedConsumerLog;
  /** Writes the `notification.created` events (and wakes the relay after each commit). */
  outbox: OutboxRepository;
  logger: Logger;
}

/** The order-event consumer (a subgraph worker: `start()`, `stop()`); see module doc. */
export function createOrderEventConsumer(options: OrderEventConsumerOptions): OrderedConsumer {
  const { database, eventLog, outbox, logger, ...tuning } = options;
  const log = logger.child({ worker: 'order-event-consumer' });
  const handle = (event: DomainEvent): Promise<OrderEventOutcome> => {
    // The library already dropped events whose tenant is not their stream's; a stream key is only
    // ever made from a tenant id, so this guards against a hand-written entry.
    if (!isUuid(event.tenantId)) return Promise.resolve('ignored');
    const context = createTenantContext(database.forTenant(event.tenantId), notificationsRepositories, outbox, log);
    return handleOrderEvent(context, event);
  };
  return new OrderedConsumer(eventLog, { ...tuning, topic: 'orders', group: NOTIFICATIONS_GROUP, logger: log }, handle);
}
