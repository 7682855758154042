import type { Resolvers } from '../../../generated/resolvers/tenant';
import * as users from './user.service';

/** User resolvers: thin adapters from GraphQL to {@link users}. */
export const userResolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => users.getCurrentUser(ctx),
    users: (_parent, args, ctx) => users.listUsers(ctx, args),
  },
  Mutation: {
    createUser: (_parent, args, ctx) => users.createUser(ctx, args.input),
    updateUserScopes: (_parent, args, ctx) => users.updateUserScopes(ctx, args.id, args.scopes),
  },
  User: {
    // Reference resolver (federation spec): batched through the per-request loader; another
    // tenant's user resolves to null.
    __resolveReference: (reference, ctx) => users.getUser(ctx, reference.id),
    tenant: (user, _args, ctx) => users.getUserTenant(ctx, user),
    // Field-level rights: tenant admins, or the viewer through `me` (user.service.ts).
    email: (user, _args, ctx) => users.protectedUserField(ctx, user, 'email'),
    scopes: (user, _args, ctx) => users.protectedUserField(ctx, user, 'scopes'),
  },
};
