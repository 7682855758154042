import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar } from '../shared/scalars';
import { defineSubgraph, type SubgraphFactory } from '../shared/subgraph-module';
import { catalogRepositories, type CatalogContext } from './catalog.context';
import { productResolvers } from './product/product.resolvers';

/** The catalog subgraph: products, prices and stock. */
export const catalogSubgraph: SubgraphFactory = () =>
  defineSubgraph({
    name: 'catalog',
    repositories: catalogRepositories,
    resolvers: { DateTime: DateTimeScalar, ...productResolvers } as GraphQLResolverMap<CatalogContext>,
  });
