import type { Resolvers } from '../../../generated/resolvers/catalog';
import * as products from './product.service';

/** Catalog resolvers: thin adapters from GraphQL to {@link products}. */
export const productResolvers: Resolvers = {
  Query: {
    products: (_parent, args, ctx) => products.listProducts(ctx, args),
    product: (_parent, args, ctx) => products.getProduct(ctx, args.id),
  },
  Mutation: {
    createProduct: (_parent, args, ctx) => products.createProduct(ctx, args.input),
    updateProduct: (_parent, args, ctx) => products.updateProduct(ctx, args.id, args.input),
  },
  Product: {
    // Reference resolver (federation spec): batched through the per-request loader.
    __resolveReference: (reference, ctx) => products.getProduct(ctx, reference.id),
    price: (product) => ({ amount: product.priceAmount, currency: product.priceCurrency }),
  },
};
