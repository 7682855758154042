import type { GraphQLResolverMap } from '@apollo/subgraph';
import { createTenantContext } from '../shared/context';
import { DateTimeScalar } from '../shared/scalars';
import { defineSubgraph, type SubgraphFactory } from '../shared/subgraph-module';
import { isUuid } from '../shared/validation';
import { notificationResolvers } from './notification/notification.resolvers';
import { handleOrderEvent } from './notification/notification.service';
import { OrderEventConsumer } from './notification/order-event.consumer';
import { notificationsRepositories, type NotificationsContext } from './notifications.context';

/**
 * The notifications subgraph: the tenant's notifications, made from order events by the
 * {@link OrderEventConsumer} worker, each announced by a `notification.created` outbox event.
 */
export const notificationsSubgraph: SubgraphFactory = ({ database, eventLog, outbox, logger }) =>
  defineSubgraph({
    name: 'notifications',
    repositories: notificationsRepositories,
    resolvers: { DateTime: DateTimeScalar, ...notificationResolvers } as GraphQLResolverMap<NotificationsContext>,
    writesOutbox: true,
    workers: [
      new OrderEventConsumer({
        prisma: database.shared,
        eventLog,
        logger,
        handle: async (event) =>
          isUuid(event.tenantId)
            ? handleOrderEvent(createTenantContext(database.forTenant(event.tenantId), notificationsRepositories, outbox, logger), event)
            : 'ignored',
      }),
    ],
  });
