import type { Resolvers } from '../../../generated/resolvers/orders';
import * as orders from './order.service';

/**
 * Orders resolvers: thin adapters from GraphQL to {@link orders}. Money fields map the stored minor
 * units (cents) and currency to `Money`; `Product` and `User` are references to entities owned by
 * the catalog and tenant subgraphs (`{ __typename, id }`).
 */
export const orderResolvers: Resolvers = {
  Query: {
    orders: (_parent, args, ctx) => orders.listOrders(ctx, args),
    orderFigures: (_parent, args, ctx) => orders.orderFigures(ctx, args.createdAfter, args.createdBefore),
    order: (_parent, args, ctx) => orders.getOrder(ctx, args.id),
  },
  Mutation: {
    placeOrder: (_parent, args, ctx) => orders.placeOrder(ctx, args.input),
    updateOrderStatus: (_parent, args, ctx) => orders.updateOrderStatus(ctx, args.id, args.status),
  },
  Order: {
    // Reference resolver (federation spec): batched through the per-request `order.byId` loader.
    __resolveReference: (reference, ctx) => orders.getOrder(ctx, reference.id),
    lines: (order, _args, ctx) => orders.getOrderLines(ctx, order),
    total: (order) => ({ amount: order.totalAmount, currency: order.currency }),
    placedBy: (order) => ({ __typename: 'User', id: order.placedById }),
  },
  OrderFigures: {
    revenue: (row) => ({ amount: row.revenueAmount, currency: row.currency }),
  },
  OrderLine: {
    product: (line) => ({ __typename: 'Product', id: line.productId }),
    unitPrice: (line) => ({ amount: line.unitPriceAmount, currency: line.unitPriceCurrency }),
  },
};
