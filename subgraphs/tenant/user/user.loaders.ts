import type DataLoader from 'dataloader';
import type { SubgraphContext } from '../../shared/context';
import { rowsById } from '../../shared/loaders';
import { UserRepository, type UserRow } from './user.repository';

/**
 * Per-request loader of the tenant's users by id (`user.byId`): all lookups of one tick (for example
 * the 50 representations of an `_entities` call) become one SQL query. Unknown ids, and ids of
 * another tenant's users, load as null. Callers pass only UUIDs.
 */
export function userById(ctx: SubgraphContext): DataLoader<string, UserRow | null> {
  return rowsById(ctx, 'user.byId', (tenantId, ids) => new UserRepository(ctx.db).findByIds(tenantId, ids));
}
