import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar } from '../shared/scalars';
import { defineSubgraph, type SubgraphFactory } from '../shared/subgraph-module';
import { orderResolvers } from './order/order.resolvers';
import { productResolvers } from './product/product.resolvers';
import { userResolvers } from './user/user.resolvers';
import { ordersRepositories, type OrdersContext } from './orders.context';

/** The orders subgraph: orders, their lines and lifecycle; writes `orders` events to the outbox. */
export const ordersSubgraph: SubgraphFactory = () =>
  defineSubgraph({
    name: 'orders',
    writesOutbox: true,
    repositories: ordersRepositories,
    resolvers: { DateTime: DateTimeScalar, ...orderResolvers, ...productResolvers, ...userResolvers } as GraphQLResolverMap<OrdersContext>,
  });
