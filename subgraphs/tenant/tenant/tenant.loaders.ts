import DataLoader from 'dataloader';
import type { SubgraphContext } from '../../shared/context';
import { TenantRepository, type TenantRow } from './tenant.repository';

/**
 * Per-request loader of tenants by id (`tenant.byId`): all lookups of one tick (for example the 50
 * representations of an `_entities` call) become one SQL query. Only the request's own tenant
 * loads; any other id (unknown or another tenant's) loads as null. Callers pass only UUIDs.
 */
export function tenantById(ctx: SubgraphContext): DataLoader<string, TenantRow | null> {
  return ctx.loaders.get('tenant.byId', () => {
    const repository = new TenantRepository(ctx.db);
    return new DataLoader<string, TenantRow | null>(async (ids) => {
      const rows = await repository.findByIds(ctx.principal.tenantId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
