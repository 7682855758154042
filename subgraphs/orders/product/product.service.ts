import { notFound } from '../../../lib/errors';
import type { OrdersContext } from '../orders.context';
import type { ProductStock } from '../stock/stock.repository';
import { productById } from './product.loaders';

/**
 * The tenant's product `id` as order lines provide it (`sku`, `name`, current `stock`), read from the
 * same database as the order, batched per request.
 * @throws GraphQLError `NOT_FOUND` when the tenant has no such product (another tenant's is not found either).
 */
export async function providedProduct(ctx: OrdersContext, id: string): Promise<ProductStock> {
  const product = await productById(ctx).load(id);
  if (!product) throw notFound('Product', id);
  return product;
}
