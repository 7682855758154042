import DataLoader from 'dataloader';
import type { SubgraphContext } from '../../shared/context';
import { UserRepository, type UserRow } from './user.repository';

/**
 * Per-request loader of the tenant's users by id (`user.byId`): all lookups of one tick (for example
 * the 50 representations of an `_entities` call) become one SQL query. Unknown ids, and ids of
 * another tenant's users, load as null. Callers pass only UUIDs.
 */
export function userById(ctx: SubgraphContext): DataLoader<string, UserRow | null> {
  return ctx.loaders.get('user.byId', () => {
    const repository = new UserRepository(ctx.db);
    return new DataLoader<string, UserRow | null>(async (ids) => {
      const rows = await repository.findByIds(ctx.principal.tenantId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
