import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { SubgraphContext } from '../shared/context';
import { DateTimeScalar } from '../shared/scalars';
import type { SubgraphFactory } from '../shared/subgraph-server';
import { productResolvers } from './product/product.resolvers';

/** The catalog subgraph: products, prices and stock. */
export const catalogSubgraph: SubgraphFactory = () => ({
  name: 'catalog',
  resolvers: { DateTime: DateTimeScalar, ...productResolvers } as GraphQLResolverMap<SubgraphContext>,
});
