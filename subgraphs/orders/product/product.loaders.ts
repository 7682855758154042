import type DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { OrdersContext } from '../orders.context';
import type { ProductStock } from '../stock/stock.repository';

/**
 * Per-request loader of the tenant's products by id (`product.byId`), for the product fields this
 * subgraph provides on order lines (`@provides(fields: "sku name stock")`): the products of every
 * line resolved in one tick come from one SQL query. Ids the tenant has no product for load as null.
 */
export function productById(ctx: OrdersContext): DataLoader<string, ProductStock | null> {
  return rowsById(ctx.loaders, 'product.byId', (ids) => ctx.repositories.stock.findProducts(ids));
}
