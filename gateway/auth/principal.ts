/**
 * Builds the {@link Principal} of a client request from its bearer token. The tenant comes from the
 * token only; `x-tenant-id` is honoured for platform admins (`platform:admin`) and ignored for
 * everyone else, as are `x-user-id` and any other identity header.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, requestIdFrom, single } from '../../lib/auth/http-credentials';
import { domainError } from '../../lib/errors';
import { Scope, type Principal } from '../../lib/principal';
import type { JwtVerifier } from './jwt-verifier';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Raw identity inputs of a request, however they arrived (HTTP headers or connection params). */
export interface CredentialsInput {
  authorization?: unknown;
  tenantOverride?: unknown;
  requestId?: unknown;
}

/** A principal with the expiry of the token it came from. */
export interface AuthenticatedSession {
  principal: Principal;
  /** The token's `exp`, seconds since the epoch. */
  expiresAt: number;
}

/**
 * Verifies the credentials and returns the principal with the expiry of its token.
 * @throws GraphQLError `UNAUTHENTICATED` (401) for a missing or invalid token; `BAD_USER_INPUT` (HTTP
 * 400) when a platform admin sends an `x-tenant-id` that is not a UUID.
 */
export async function verifyCredentials(verifier: JwtVerifier, input: CredentialsInput): Promise<AuthenticatedSession> {
  const token = bearerToken(input.authorization);
  if (!token) {
    const authorization = single(input.authorization);
    throw domainError(
      'UNAUTHENTICATED',
      authorization !== undefined && authorization !== ''
        ? 'The Authorization header must be "Bearer <token>".'
        : 'A bearer token is required.',
    );
  }
  const claims = await verifier.verify(token);
  let tenantId = claims.tenantId;
  const override = single(input.tenantOverride)?.trim();
  if (override && claims.scopes.includes(Scope.PlatformAdmin)) {
    if (!UUID.test(override)) {
      throw domainError('BAD_USER_INPUT', 'x-tenant-id must be a tenant id (UUID).', { field: 'x-tenant-id', http: { status: 400 } });
    }
    tenantId = override.toLowerCase();
  }
  const requestId = requestIdFrom(input.requestId);
  return { principal: { tenantId, userId: claims.sub, scopes: claims.scopes, requestId }, expiresAt: claims.expiresAt };
}

/**
 * The principal of an HTTP request (`authorization`, `x-tenant-id`, `x-request-id` headers).
 * @throws GraphQLError as {@link verifyCredentials}.
 */
export async function authenticate(verifier: JwtVerifier, headers: IncomingHttpHeaders): Promise<Principal> {
  const session = await verifyCredentials(verifier, {
    authorization: headers.authorization,
    tenantOverride: headers['x-tenant-id'],
    requestId: headers['x-request-id'],
  });
  return session.principal;
}

/**
 * The principal of a graphql-ws connection from its `connection_init` payload
 * (`{ authorization: 'Bearer <jwt>', 'x-tenant-id'?: <uuid> }`, keys case-insensitive), with the
 * token's expiry so the connection can be closed when it passes.
 */
export function authenticateConnectionParams(
  verifier: JwtVerifier,
  params: Readonly<Record<string, unknown>> | undefined,
): Promise<AuthenticatedSession> {
  const lower = new Map(Object.entries(params ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return verifyCredentials(verifier, {
    authorization: lower.get('authorization'),
    tenantOverride: lower.get('x-tenant-id'),
    requestId: lower.get('x-request-id'),
  });
}
