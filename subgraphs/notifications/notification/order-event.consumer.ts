/**
 * The order-event consumer: the library's ordered consumer (lib/events/ordered-consumer.ts) on topic
 * `orders` of every tenant, consumer group `notifications`, turning each event into a notification
 * ({@link handleOrderEvent}).
 *
 * Events of one order are applied in order: a tenant stream holds the tenant's events in the order
 * their transactions committed (the outbox relay publishes a tenant's rows in `seq` order, one relay
 * per tenant at a time), the events of one order are written by transactions that update that
 * order's row, so they commit in order, and the ordered consumer applies each stream's entries one
 * at a time, in stream order. Redelivered or duplicated events create nothing: notifications are
 * unique per (tenant, source event id).
 */
import type { PrismaClient } from '../../../lib/db/prisma-client';
import { OrderedConsumer } from '../../../lib/events/ordered-consumer';
import type { OrderedConsumerLog, OrderedConsumerOptions } from '../../../lib/events/ordered-consumer-options';
import type { Logger } from '../../../lib/logger';
import { handleOrderEvent } from './notification.service';

/** Consumer group of this consumer on every tenant's `orders` stream. */
export const NOTIFICATIONS_GROUP = 'notifications';

/** Options of {@link createOrderEventConsumer}: dependencies, and the ordered consumer's tuning (library defaults). */
export interface OrderEventConsumerOptions extends Omit<OrderedConsumerOptions, 'topic' | 'group' | 'logger'> {
  prisma: PrismaClient;
  /** The event log (or just the slices the consumer uses). */
  eventLog: OrderedConsumerLog;
  logger: Logger;
  /** Called after a notification and its outbox row committed (to wake the outbox relay); default no-op. */
  onOutboxWritten?: () => void;
}

/** The order-event consumer (a subgraph worker: `start()`, `stop()`); see module doc. */
export function createOrderEventConsumer(options: OrderEventConsumerOptions): OrderedConsumer {
  // What is left after the dependencies is the ordered consumer's tuning.
  const { prisma: _prisma, onOutboxWritten: _onOutboxWritten, eventLog, logger, ...tuning } = options;
  const settings = {
    ...tuning,
    topic: 'orders' as const,
    group: NOTIFICATIONS_GROUP,
    logger: logger.child({ worker: 'order-event-consumer' }),
  };
  return new OrderedConsumer(eventLog, settings, (event) => handleOrderEvent(options.prisma, event, options.onOutboxWritten));
}
