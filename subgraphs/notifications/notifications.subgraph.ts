import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { SubgraphContext } from '../shared/context';
import { DateTimeScalar } from '../shared/scalars';
import type { SubgraphFactory } from '../shared/subgraph-server';
import { notificationResolvers } from './notification/notification.resolvers';
import { OrderEventConsumer } from './notification/order-event.consumer';

/**
 * The notifications subgraph: the tenant's notifications, made from order events by the
 * {@link OrderEventConsumer} worker, each announced by a `notification.created` outbox event.
 * The consumer wakes the subgraph's outbox relay after each notification it commits.
 */
export const notificationsSubgraph: SubgraphFactory = (deps) => ({
  name: 'notifications',
  resolvers: { DateTime: DateTimeScalar, ...notificationResolvers } as GraphQLResolverMap<SubgraphContext>,
  writesOutbox: true,
  workers: [
    new OrderEventConsumer({
      prisma: deps.prisma,
      eventLog: deps.eventLog,
      logger: deps.logger,
      onOutboxWritten: () => deps.events?.outboxWritten(),
    }),
  ],
});
