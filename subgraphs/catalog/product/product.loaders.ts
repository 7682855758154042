import DataLoader from 'dataloader';
import type { SubgraphContext } from '../../shared/context';
import { ProductRepository, type ProductRow } from './product.repository';

/**
 * Per-request loader of the tenant's products by id: all lookups of one tick (for example the 50
 * representations of an `_entities` call) become one SQL query. Unknown ids, and ids of another
 * tenant, load as null.
 */
export function productById(ctx: SubgraphContext): DataLoader<string, ProductRow | null> {
  return ctx.loaders.get('product.byId', () => {
    const repository = new ProductRepository(ctx.db);
    return new DataLoader<string, ProductRow | null>(async (ids) => {
      const rows = await repository.findByIds(ctx.principal.tenantId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
