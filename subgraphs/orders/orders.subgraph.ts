import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { SubgraphContext } from '../shared/context';
import { DateTimeScalar } from '../shared/scalars';
import type { SubgraphFactory } from '../shared/subgraph-server';
import { orderResolvers } from './order/order.resolvers';

/** The orders subgraph: orders, their lines and lifecycle; writes `orders` events to the outbox. */
export const ordersSubgraph: SubgraphFactory = () => ({
  name: 'orders',
  writesOutbox: true,
  resolvers: { DateTime: DateTimeScalar, ...orderResolvers } as GraphQLResolverMap<SubgraphContext>,
});
