import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar } from '../shared/scalars';
import { defineSubgraph, type SubgraphFactory } from '../shared/subgraph-module';
import { notificationResolvers } from './notification/notification.resolvers';
import { createOrderEventConsumer, NOTIFICATIONS_GROUP } from './notification/order-event.consumer';
import { notificationsRepositories, type NotificationsContext } from './notifications.context';

/**
 * The notifications subgraph: the tenant's notifications, made from order events by the
 * order-event consumer worker, each announced by a `notification.created` outbox event.
 */
export const notificationsSubgraph: SubgraphFactory = ({ database, eventLog, outbox, logger, consumer }) =>
  defineSubgraph({
    name: 'notifications',
    repositories: notificationsRepositories,
    resolvers: { DateTime: DateTimeScalar, ...notificationResolvers } as GraphQLResolverMap<NotificationsContext>,
    writesOutbox: true,
    workers: [createOrderEventConsumer({ database, eventLog, outbox, logger, ...consumer })],
    consumerGroups: [{ topic: 'orders', group: NOTIFICATIONS_GROUP }],
  });
