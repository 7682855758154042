import type DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { TenantSubgraphContext } from '../tenant.context';
import type { UserRow } from './user.repository';

/**
 * Per-request loader of the tenant's users by id (`user.byId`): all lookups of one tick (for example
 * the 50 representations of an `_entities` call) become one SQL query. Unknown ids, and ids of
 * another tenant's users, load as null. Callers pass only UUIDs.
 */
export function userById(ctx: TenantSubgraphContext): DataLoader<string, UserRow | null> {
  return rowsById(ctx.loaders, 'user.byId', (ids) => ctx.repositories.users.findByIds(ids));
}
