import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { SubgraphContext } from '../shared/context';
import { DateTimeScalar } from '../shared/scalars';
import type { SubgraphFactory } from '../shared/subgraph-server';
import { tenantResolvers } from './tenant/tenant.resolvers';
import { userResolvers } from './user/user.resolvers';

/**
 * The tenant subgraph: the request's tenant and its users (`me`, `tenant`, `Tenant`/`User` entities),
 * user administration (`tenant:admin`) and tenant creation (`platform:admin`).
 */
export const tenantSubgraph: SubgraphFactory = () => ({
  name: 'tenant',
  resolvers: {
    DateTime: DateTimeScalar,
    Query: { ...tenantResolvers.Query, ...userResolvers.Query },
    Mutation: { ...tenantResolvers.Mutation, ...userResolvers.Mutation },
    Tenant: tenantResolvers.Tenant,
    User: userResolvers.User,
  } as GraphQLResolverMap<SubgraphContext>,
});
