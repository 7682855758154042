import { notFound } from '../../../lib/errors';
import type { OrdersContext } from '../orders.context';
import { userById } from './user.loaders';
import type { UserName } from './user.repository';

/**
 * The tenant's user `id` as orders provide it (their display name), batched per request.
 * @throws GraphQLError `NOT_FOUND` when the tenant has no such user (another tenant's is not found either).
 */
export async function providedUser(ctx: OrdersContext, id: string): Promise<UserName> {
  const user = await userById(ctx).load(id);
  if (!user) throw notFound('User', id);
  return user;
}
