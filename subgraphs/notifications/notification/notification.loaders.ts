import DataLoader from 'dataloader';
import type { SubgraphContext } from '../../shared/context';
import { NotificationRepository, type NotificationRow } from './notification.repository';

/**
 * Per-request loader of the tenant's notifications by id (`notification.byId`): all lookups of one
 * tick (for example the 50 representations of an `_entities` call) become one SQL query. Unknown
 * ids, and ids of another tenant, load as null. Callers pass only UUIDs.
 */
export function notificationById(ctx: SubgraphContext): DataLoader<string, NotificationRow | null> {
  return ctx.loaders.get('notification.byId', () => {
    const repository = new NotificationRepository(ctx.db);
    return new DataLoader<string, NotificationRow | null>(async (ids) => {
      const rows = await repository.findByIds(ctx.principal.tenantId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
