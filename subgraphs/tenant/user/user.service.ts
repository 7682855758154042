/**
 * User rules: a request sees only the users of the tenant it acts for (`principal.tenantId`). A
 * tenant admin (`tenant:admin`, enforced by `@requiresScope` in schema/tenant.graphql) lists the
 * tenant's users, adds users and sets their scopes; only tenant scopes can be granted.
 *
 * Field-level rule: a user's `email` and `scopes` need the same right as the `users` query
 * (`tenant:admin`) wherever the user is reached (`Order.placedBy`, `_entities`, ...), except the
 * viewer's own user read through `me`. So a field's value depends on the tenant and the scopes
 * only, never on who asks, which lets the gateway share subscription executions between the users
 * of a tenant with the same scopes.
 */
import { randomUUID } from 'node:crypto';
import { badInput, domainError, notFound } from '../../../lib/errors';
import { hasScope, Scope } from '../../../lib/principal';
import { NEWEST_FIRST, pageRequest, toConnection, type Connection, type PageArgs } from '../../shared/pagination';
import { isUuid, requireText } from '../../shared/validation';
import { getTenant } from '../tenant/tenant.service';
import type { TenantRow } from '../tenant/tenant.repository';
import { userById } from './user.loaders';
import type { TenantSubgraphContext } from '../tenant.context';
import type { UserRow } from './user.repository';

/**
 * The tenant's user with `id`, or null (also for malformed ids and other tenants' users); batched
 * through the per-request loader.
 */
export async function getUser(ctx: TenantSubgraphContext, id: string): Promise<UserRow | null> {
  if (!isUuid(id)) return null;
  return userById(ctx).load(id);
}

/**
 * The authenticated user (`principal.userId`) as a member of the request's tenant.
 * @throws GraphQLError `NOT_FOUND` when the user is not a member of `principal.tenantId` (for
 *   example a platform admin acting for another tenant).
 */
export async function getCurrentUser(ctx: TenantSubgraphContext): Promise<UserRow> {
  const user = await getUser(ctx, ctx.principal.userId);
  if (!user) throw domainError('NOT_FOUND', 'The authenticated user is not a member of this tenant.');
  const own = { ...user };
  viewerRows.add(own);
  return own;
}

/** Rows handed out by {@link getCurrentUser}: the viewer reading itself through `me`. */
const viewerRows = new WeakSet<UserRow>();

/**
 * A protected field of `user` (`email`, `scopes`): for a tenant admin, or for the viewer through `me`.
 * @throws GraphQLError `FORBIDDEN` ("The tenant:admin scope is required.") otherwise.
 */
export function protectedUserField<K extends 'email' | 'scopes'>(ctx: TenantSubgraphContext, user: UserRow, field: K): UserRow[K] {
  if (viewerRows.has(user) || hasScope(ctx.principal, Scope.TenantAdmin)) return user[field];
  throw domainError('FORBIDDEN', `The ${Scope.TenantAdmin} scope is required to read User.${field}.`);
}

/**
 * The tenant `user` belongs to (always the request's tenant, since users are tenant-filtered).
 * @throws GraphQLError `NOT_FOUND` when that tenant does not exist.
 */
export async function getUserTenant(ctx: TenantSubgraphContext, user: UserRow): Promise<TenantRow> {
  const tenant = await getTenant(ctx, user.tenantId);
  if (!tenant) throw domainError('NOT_FOUND', `Tenant ${user.tenantId} was not found.`);
  return tenant;
}

/**
 * Scopes a tenant admin may grant (README, "Tokens and scopes"): the tenant scopes. `platform:admin` is
 * never grantable through the API.
 */
export const GRANTABLE_SCOPES: readonly string[] = [Scope.CatalogWrite, Scope.OrdersWrite, Scope.TenantAdmin];

/** Input of {@link createUser}. */
export interface CreateUserInput {
  email: string;
  name: string;
  scopes?: readonly string[] | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Checks `scopes` are tenant scopes ({@link GRANTABLE_SCOPES}); returns them deduplicated, sorted.
 * @throws GraphQLError `BAD_USER_INPUT` (`field` = `field`) for any other scope, `platform:admin` included.
 */
export function requireGrantableScopes(field: string, scopes: readonly string[]): string[] {
  for (const scope of scopes) {
    if (!GRANTABLE_SCOPES.includes(scope))
      throw badInput(field, `${JSON.stringify(scope).slice(0, 60)} cannot be granted; use ${GRANTABLE_SCOPES.join(', ')}.`);
  }
  return [...new Set(scopes)].sort();
}

/**
 * A page of the tenant's users (Relay connection with `totalCount`), newest first. Callers hold
 * `tenant:admin` (`@requiresScope`).
 * @throws GraphQLError `BAD_USER_INPUT` for page sizes outside 1..100, mixed directions or a malformed cursor.
 */
export async function listUsers(ctx: TenantSubgraphContext, args: PageArgs = {}): Promise<Connection<UserRow>> {
  const page = pageRequest(args, NEWEST_FIRST);
  const { users } = ctx.repositories;
  const rows = await users.findPage(page);
  return toConnection(rows, page, () => users.count());
}

/**
 * Adds a user to the request's tenant. Callers hold `tenant:admin` (`@requiresScope`).
 * @throws GraphQLError `BAD_USER_INPUT` for an invalid email (stored lower-case, at most 200
 *   characters), an empty or over-200-character name, a scope that is not a tenant scope, or an
 *   email the tenant already has.
 */
export async function createUser(ctx: TenantSubgraphContext, input: CreateUserInput): Promise<UserRow> {
  const email = requireText('input.email', input.email, 200).toLowerCase();
  if (!EMAIL.test(email)) throw badInput('input.email', 'is not an email address.');
  const name = requireText('input.name', input.name, 200);
  const scopes = requireGrantableScopes('input.scopes', input.scopes ?? []);
  const created = await ctx.repositories.users.create(randomUUID(), { email, name, scopes });
  if (!created) throw badInput('input.email', `the tenant already has a user ${email}.`);
  return created;
}

/**
 * Replaces the scopes of the tenant's user `id`. Callers hold `tenant:admin` (`@requiresScope`).
 * @throws GraphQLError `BAD_USER_INPUT` (`field: 'scopes'`) for a scope that is not a tenant scope;
 *   `NOT_FOUND` for an unknown or malformed id, or another tenant's user (never `FORBIDDEN`).
 */
export async function updateUserScopes(ctx: TenantSubgraphContext, id: string, scopes: readonly string[]): Promise<UserRow> {
  const granted = requireGrantableScopes('scopes', scopes);
  if (!isUuid(id)) throw notFound('User', id);
  const updated = await ctx.repositories.users.updateScopes(id, granted);
  if (!updated) throw notFound('User', id);
  userById(ctx).clear(id).prime(id, updated);
  return updated;
}
