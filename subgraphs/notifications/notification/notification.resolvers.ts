import type { Resolvers } from '../../../generated/resolvers/notifications';
import * as notifications from './notification.service';

/** Notification resolvers: thin adapters from GraphQL to {@link notifications}. */
export const notificationResolvers: Resolvers = {
  Query: {
    notifications: (_parent, args, ctx) => notifications.listNotifications(ctx, args),
    notification: (_parent, args, ctx) => notifications.getNotification(ctx, args.id),
  },
  Mutation: {
    markNotificationRead: (_parent, args, ctx) => notifications.markNotificationRead(ctx, args.id),
  },
  Notification: {
    // Reference resolver (federation spec): batched through the per-request loader.
    __resolveReference: (reference, ctx) => notifications.getNotification(ctx, reference.id),
    read: (notification) => notification.readAt != null,
    order: (notification) => (notification.orderId ? { __typename: 'Order', id: notification.orderId } : null),
  },
};
