import type DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { TenantSubgraphContext } from '../tenant.context';
import type { TenantRow } from './tenant.repository';

/**
 * Per-request loader of tenants by id (`tenant.byId`): all lookups of one tick (for example the 50
 * representations of an `_entities` call) become one SQL query. Only the request's own tenant
 * loads; any other id (unknown or another tenant's) loads as null. Callers pass only UUIDs.
 */
export function tenantById(ctx: TenantSubgraphContext): DataLoader<string, TenantRow | null> {
  return rowsById(ctx.loaders, 'tenant.byId', (ids) => ctx.repositories.tenants.findByIds(ids));
}
