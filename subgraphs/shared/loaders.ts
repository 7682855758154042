import DataLoader from 'dataloader';
import type { LoaderRegistry } from './context';

/**
 * The request's DataLoader named `name` that loads rows by id: every `load` of one tick (for example
 * the 50 representations of an `_entities` call) becomes one `findByIds` call, that is one SQL
 * query. Ids with no row, including ids of another tenant's rows, load as `null`.
 * @param findByIds the repository lookup (on the request's tenant scope), called with the batched ids.
 */
export function rowsById<Row extends { id: string }>(
  loaders: LoaderRegistry,
  name: string,
  findByIds: (ids: readonly string[]) => Promise<Row[]>,
): DataLoader<string, Row | null> {
  return loaders.get(name, () => {
    return new DataLoader<string, Row | null>(async (ids) => {
      const rows = await findByIds(ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
