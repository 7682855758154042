import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar } from '../shared/scalars';
import { defineSubgraph, type SubgraphFactory } from '../shared/subgraph-module';
import { tenantRepositories, type TenantSubgraphContext } from './tenant.context';
import { tenantResolvers } from './tenant/tenant.resolvers';
import { userResolvers } from './user/user.resolvers';

/**
 * The tenant subgraph: the request's tenant and its users (`me`, `tenant`, `Tenant`/`User` entities),
 * user administration (`tenant:admin`) and tenant creation (`platform:admin`).
 */
export const tenantSubgraph: SubgraphFactory = ({ database }) =>
  defineSubgraph({
    name: 'tenant',
    repositories: tenantRepositories(database),
    resolvers: {
      DateTime: DateTimeScalar,
      Query: { ...tenantResolvers.Query, ...userResolvers.Query },
      Mutation: { ...tenantResolvers.Mutation, ...userResolvers.Mutation },
      Tenant: tenantResolvers.Tenant,
      User: userResolvers.User,
    } as GraphQLResolverMap<TenantSubgraphContext>,
  });
