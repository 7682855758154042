import type DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { NotificationsContext } from '../notifications.context';
import type { NotificationRow } from './notification.repository';

/**
 * Per-request loader of the tenant's notifications by id (`notification.byId`): all lookups of one
 * tick (for example the 50 representations of an `_entities` call) become one SQL query. Unknown
 * ids, and ids of another tenant, load as null. Callers pass only UUIDs.
 */
export function notificationById(ctx: NotificationsContext): DataLoader<string, NotificationRow | null> {
  return rowsById(ctx.loaders, 'notification.byId', (ids) => ctx.repositories.notifications.findByIds(ids));
}
