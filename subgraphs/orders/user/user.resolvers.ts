import type { Resolvers } from '../../../generated/resolvers/orders';
import { providedUser } from './user.service';

/**
 * The tenant subgraph's user field this subgraph provides on orders (`Order.placedBy
 * @provides(fields: "name")`, federation spec): a query selecting only `name` of the author needs no
 * tenant fetch. `email` and `scopes` (scope-checked in the tenant subgraph) are not provided.
 */
export const userResolvers: Resolvers = {
  User: {
    name: async (user, _args, ctx) => (await providedUser(ctx, user.id)).name,
  },
};
