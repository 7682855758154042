import type DataLoader from 'dataloader';
import type { SubgraphContext } from '../../shared/context';
import { rowsById } from '../../shared/loaders';
import { ProductRepository, type ProductRow } from './product.repository';

/**
 * Per-request loader of the tenant's products by id: all lookups of one tick (for example the 50
 * representations of an `_entities` call) become one SQL query. Unknown ids, and ids of another
 * tenant, load as null.
 */
export function productById(ctx: SubgraphContext): DataLoader<string, ProductRow | null> {
  return rowsById(ctx, 'product.byId', (tenantId, ids) => new ProductRepository(ctx.db).findByIds(tenantId, ids));
}
