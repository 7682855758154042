import type { GraphQLResolverMap } from '@apollo/subgraph';
import { envInt } from '../../lib/config';
import { ORDERED_CONSUMER_DEFAULTS } from '../../lib/events/ordered-consumer-options';
import type { SubgraphContext } from '../shared/context';
import { DateTimeScalar } from '../shared/scalars';
import type { SubgraphFactory } from '../shared/subgraph-server';
import { notificationResolvers } from './notification/notification.resolvers';
import { createOrderEventConsumer } from './notification/order-event.consumer';

/**
 * The notifications subgraph: the tenant's notifications, made from order events by the order-event
 * consumer worker ({@link createOrderEventConsumer}), each announced by a `notification.created`
 * outbox event. The consumer wakes the subgraph's outbox relay after each notification it commits.
 * Environment: `CONSUMER_LEASE_MS` and `CONSUMER_MAX_DELIVERIES` (see README; defaults from the library).
 */
export const notificationsSubgraph: SubgraphFactory = (deps) => ({
  name: 'notifications',
  resolvers: { DateTime: DateTimeScalar, ...notificationResolvers } as GraphQLResolverMap<SubgraphContext>,
  writesOutbox: true,
  workers: [
    createOrderEventConsumer({
      prisma: deps.prisma,
      eventLog: deps.eventLog,
      logger: deps.logger,
      onOutboxWritten: () => deps.events?.outboxWritten(),
      leaseMs: envInt('CONSUMER_LEASE_MS', ORDERED_CONSUMER_DEFAULTS.leaseMs, 1),
      maxDeliveries: envInt('CONSUMER_MAX_DELIVERIES', ORDERED_CONSUMER_DEFAULTS.maxDeliveries, 1),
    }),
  ],
});
