import type { Resolvers } from '../../../generated/resolvers/tenant';
import * as tenants from './tenant.service';

/** Tenant resolvers: thin adapters from GraphQL to {@link tenants}. */
export const tenantResolvers: Resolvers = {
  Query: {
    tenant: (_parent, _args, ctx) => tenants.getCurrentTenant(ctx),
  },
  Mutation: {
    createTenant: (_parent, args, ctx) => tenants.createTenant(ctx, args.input),
  },
  Tenant: {
    // Reference resolver (federation spec): batched through the per-request loader; another
    // tenant's id resolves to null.
    __resolveReference: (reference, ctx) => tenants.getTenant(ctx, reference.id),
    plan: (tenant, _args, ctx) => tenants.getTenantPlan(ctx, tenant),
  },
};
