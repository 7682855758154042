/**
 * User rules: a request sees only the users of the tenant it acts for (`principal.tenantId`).
 */
import { domainError } from '../../../lib/errors';
import type { SubgraphContext } from '../../shared/context';
import { isUuid } from '../../shared/validation';
import { getTenant } from '../tenant/tenant.service';
import type { TenantRow } from '../tenant/tenant.repository';
import { userById } from './user.loaders';
import type { UserRow } from './user.repository';

/**
 * The tenant's user with `id`, or null (also for malformed ids and other tenants' users); batched
 * through the per-request loader.
 */
export async function getUser(ctx: SubgraphContext, id: string): Promise<UserRow | null> {
  if (!isUuid(id)) return null;
  return userById(ctx).load(id);
}

/**
 * The authenticated user (`principal.userId`) as a member of the request's tenant.
 * @throws GraphQLError `NOT_FOUND` when the user is not a member of `principal.tenantId` (for
 *   example a platform admin acting for another tenant).
 */
export async function getCurrentUser(ctx: SubgraphContext): Promise<UserRow> {
  const user = await getUser(ctx, ctx.principal.userId);
  if (!user) throw domainError('NOT_FOUND', 'The authenticated user is not a member of this tenant.');
  return user;
}

/**
 * The tenant `user` belongs to (always the request's tenant, since users are tenant-filtered).
 * @throws GraphQLError `NOT_FOUND` when that tenant does not exist.
 */
export async function getUserTenant(ctx: SubgraphContext, user: UserRow): Promise<TenantRow> {
  const tenant = await getTenant(ctx, user.tenantId);
  if (!tenant) throw domainError('NOT_FOUND', `Tenant ${user.tenantId} was not found.`);
  return tenant;
}
