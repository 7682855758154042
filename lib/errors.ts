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
] as const;

/** `extensions.code` values clients can rely on (README, "Errors"): the client codes plus `INTERNAL_SERVER_ERROR`. */
export type ErrorCode = (typeof CLIENT_ERROR_CODES)[number] | 'INTERNAL_SERVER_ERROR';

/**
 * A client-facing GraphQL error with `extensions.code`. `UNAUTHENTICATED` carries HTTP status 401
 * for Apollo Server (`extensions.http.status`), which Apollo strips from the response body.
 */
export function domainError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const extensions: Record<string, unknown> = { code, ...extra };
  if (code === 'UNAUTHENTICATED') extensions.http = { status: 401 };
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
