import type { RepositoryFactory, SubgraphContext, TenantContext } from '../shared/context';
import { NotificationRepository } from './notification/notification.repository';

/** The notifications subgraph's repositories, bound to one tenant scope. */
export interface NotificationsRepositories {
  notifications: NotificationRepository;
}

/** Builds the notifications repositories on `scope` (a request's, an event's, or a unit of work's). */
export const notificationsRepositories: RepositoryFactory<NotificationsRepositories> = (scope) => ({
  notifications: new NotificationRepository(scope),
});

/** What the notification services need for one tenant: a request's context, or an event's. */
export type NotificationsTenantContext = TenantContext<NotificationsRepositories>;

/** The context of every notifications resolver. */
export type NotificationsContext = SubgraphContext<NotificationsRepositories>;
