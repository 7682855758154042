import DataLoader from 'dataloader';
import type { SubgraphContext } from './context';

/**
 * The request's DataLoader named `name` that loads the tenant's rows by id: every `load` of one tick
 * (for example the 50 representations of an `_entities` call) becomes one `findByIds` call, that is
 * one SQL query. Ids with no row, including ids of another tenant's rows, load as `null`.
 * @param findByIds the repository lookup, called with the principal's tenant and the batched ids.
 */
export function rowsById<Row extends { id: string }>(
  ctx: SubgraphContext,
  name: string,
  findByIds: (tenantId: string, ids: readonly string[]) => Promise<Row[]>,
): DataLoader<string, Row | null> {
  return ctx.loaders.get(name, () => {
    return new DataLoader<string, Row | null>(async (ids) => {
      const rows = await findByIds(ctx.principal.tenantId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
