import { GraphQLError } from 'graphql';

/**
 * Domain `extensions.code` values whose messages are written for clients (README, "Errors"); errors with
 * these codes pass through error masking and the gateway unchanged.
 */
export const CLIENT_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CURSOR_EXPIRED',
  'INSUFFICIENT_STOCK',
  'TENANT_WRITES_PAUSED',
] as const;

/** `extensions.code` values clients can rely on (README, "Errors"): the client codes plus `INTERNAL_SERVER_ERROR`. */
export type ErrorCode = (typeof CLIENT_ERROR_CODES)[number] | 'INTERNAL_SERVER_ERROR';

/** Realm of the gateway's bearer challenges (RFC 6750, section 3). */
export const BEARER_REALM = 'graphql';

/**
 * The `WWW-Authenticate` challenge of a 401 (RFC 6750, section 3): `Bearer realm="graphql"` for a
 * request without credentials (the RFC asks for no error code then), with `error="invalid_token"`
 * when a token was sent but does not verify (malformed, bad signature, expired, wrong claims).
 */
export function bearerChallenge(invalidToken: boolean): string {
  return invalidToken ? `Bearer realm="${BEARER_REALM}", error="invalid_token"` : `Bearer realm="${BEARER_REALM}"`;
}

/**
 * A client-facing GraphQL error with `extensions.code`. `UNAUTHENTICATED` carries HTTP status 401
 * and a `WWW-Authenticate: Bearer` challenge for Apollo Server (`extensions.http`, which Apollo
 * applies to the response and strips from its body); `extra.invalidToken: true` (not sent to the
 * client) marks a token that was sent but does not verify (see {@link bearerChallenge}).
 */
export function domainError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const { invalidToken, ...rest } = extra;
  const extensions: Record<string, unknown> = { code, ...rest };
  if (code === 'UNAUTHENTICATED') {
    extensions.http = { status: 401, headers: new Map([['www-authenticate', bearerChallenge(invalidToken === true)]]) };
  }
  return new GraphQLError(message, { extensions });
}

/** `NOT_FOUND` for an object of `type` that does not exist for this tenant (never `FORBIDDEN`). */
export function notFound(type: string, id: string): GraphQLError {
  return domainError('NOT_FOUND', `${type} ${id} was not found.`);
}

/** `BAD_USER_INPUT` naming the offending argument path, for example `input.lines[0].quantity`. */
export function badInput(field: string, message: string): GraphQLError {
  return domainError('BAD_USER_INPUT', `${field}: ${message}`, { field });
}
