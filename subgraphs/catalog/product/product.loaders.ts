import type DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { CatalogContext } from '../catalog.context';
import type { ProductRow } from './product.repository';

/**
 * Per-request loader of the tenant's products by id (`product.byId`): all lookups of one tick (for
 * example the 50 representations of an `_entities` call) become one SQL query. Unknown ids, and ids
 * of another tenant, load as null. Callers pass only UUIDs.
 */
export function productById(ctx: CatalogContext): DataLoader<string, ProductRow | null> {
  return rowsById(ctx.loaders, 'product.byId', (ids) => ctx.repositories.products.findByIds(ids));
}
