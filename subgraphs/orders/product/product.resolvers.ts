import type { Resolvers } from '../../../generated/resolvers/orders';
import { providedProduct } from './product.service';

/**
 * The catalog's product fields this subgraph provides on order lines (`OrderLine.product
 * @provides(fields: "sku name stock")`, federation spec): the gateway asks them here instead of
 * fetching the product from the catalog when a query selects no other product field. Read only
 * when selected.
 */
export const productResolvers: Resolvers = {
  Product: {
    sku: async (product, _args, ctx) => (await providedProduct(ctx, product.id)).sku,
    name: async (product, _args, ctx) => (await providedProduct(ctx, product.id)).name,
    stock: async (product, _args, ctx) => (await providedProduct(ctx, product.id)).stock,
  },
};
