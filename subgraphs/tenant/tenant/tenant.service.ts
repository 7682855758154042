/**
 * Tenant rules: a request sees only the tenant it acts for (`principal.tenantId`); a platform admin
 * (`platform:admin`, enforced by `@requiresScope` in schema/tenant.graphql) creates tenants.
 */
import { randomUUID } from 'node:crypto';
import { SHARED_DATABASE } from '../../../lib/config-placement';
import { badInput, domainError } from '../../../lib/errors';
import { isUuid, requireText } from '../../shared/validation';
import { tenantById } from './tenant.loaders';
import type { TenantSubgraphContext } from '../tenant.context';
import type { PlanRow, TenantRow } from './tenant.repository';

/**
 * The tenant with `id` if it is the request's tenant, else null (also for malformed ids); batched
 * through the per-request loader.
 */
export async function getTenant(ctx: TenantSubgraphContext, id: string): Promise<TenantRow | null> {
  if (!isUuid(id)) return null;
  return tenantById(ctx).load(id);
}

/**
 * The tenant the request acts for.
 * @throws GraphQLError `NOT_FOUND` when `principal.tenantId` names no tenant.
 */
export async function getCurrentTenant(ctx: TenantSubgraphContext): Promise<TenantRow> {
  const tenant = await getTenant(ctx, ctx.principal.tenantId);
  if (!tenant) throw domainError('NOT_FOUND', 'The tenant of this request was not found.');
  return tenant;
}

/**
 * The service plan of `tenant` (the sizes of its budgets, which the gateway charges operations to).
 * @throws GraphQLError `NOT_FOUND` when the plan does not exist (the foreign key prevents it).
 */
export async function getTenantPlan(ctx: TenantSubgraphContext, tenant: TenantRow): Promise<PlanRow> {
  const plan = await ctx.repositories.tenants.findPlan(tenant.plan);
  if (!plan) throw domainError('NOT_FOUND', `Plan ${tenant.plan} was not found.`);
  return plan;
}

/** A tenant slug: 2-40 characters, lower-case letters, digits and inner hyphens. */
export const TENANT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$/;

/**
 * Creates a tenant, in the shared database or in the dedicated database `input.database` (its
 * placement, lib/db/tenant-placement.ts). Callers hold `platform:admin` (`@requiresScope`); the
 * inserts go through the platform path of the database layer (`PlatformAccess.forNewTenant`, the
 * only writer allowed by the `tenants` insert policy besides the owner).
 * @throws GraphQLError `BAD_USER_INPUT` (`field` `input.slug`, `input.name` or `input.database`) for
 *   a slug not matching {@link TENANT_SLUG}, a slug another tenant has, an empty or over-200-character
 *   name, or a database that is neither `shared` nor a configured key; nothing is written then.
 */
export async function createTenant(
  ctx: TenantSubgraphContext,
  input: { slug: string; name: string; database?: string | null },
): Promise<TenantRow> {
  const slug = input.slug.trim();
  if (!TENANT_SLUG.test(slug)) throw badInput('input.slug', 'must be 2-40 lower-case letters, digits or inner hyphens.');
  const name = requireText('input.name', input.name, 200);
  const requested = input.database?.trim() || SHARED_DATABASE;
  const database = requested === SHARED_DATABASE ? null : requested;
  if (database !== null && !ctx.repositories.tenants.databaseKeys().includes(database)) {
    throw badInput('input.database', `must be "${SHARED_DATABASE}" or the key of a configured dedicated database.`);
  }
  const created = await ctx.repositories.tenants.create(randomUUID(), slug, name, database);
  if (!created) throw badInput('input.slug', `a tenant with slug ${slug} already exists.`);
  ctx.logger.info({ newTenantId: created.id, slug, database: database ?? SHARED_DATABASE }, 'tenant created');
  return created;
}
