/**
 * Tenant rules: a request sees only the tenant it acts for (`principal.tenantId`).
 */
import { domainError } from '../../../lib/errors';
import type { SubgraphContext } from '../../shared/context';
import { isUuid } from '../../shared/validation';
import { tenantById } from './tenant.loaders';
import type { TenantRow } from './tenant.repository';

/**
 * The tenant with `id` if it is the request's tenant, else null (also for malformed ids); batched
 * through the per-request loader.
 */
export async function getTenant(ctx: SubgraphContext, id: string): Promise<TenantRow | null> {
  if (!isUuid(id)) return null;
  return tenantById(ctx).load(id);
}

/**
 * The tenant the request acts for.
 * @throws GraphQLError `NOT_FOUND` when `principal.tenantId` names no tenant.
 */
export async function getCurrentTenant(ctx: SubgraphContext): Promise<TenantRow> {
  const tenant = await getTenant(ctx, ctx.principal.tenantId);
  if (!tenant) throw domainError('NOT_FOUND', 'The tenant of this request was not found.');
  return tenant;
}
