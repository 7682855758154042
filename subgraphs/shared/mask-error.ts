import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import type { Logger } from '../../lib/logger';

/** Codes whose messages are written for clients and pass through unchanged. */
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CURSOR_EXPIRED',
  'INSUFFICIENT_STOCK',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Apollo `formatError`: errors with a client-facing code pass unchanged (minus any stack trace);
 * anything else (a database error, a bug) is logged and replaced by a generic
 * `INTERNAL_SERVER_ERROR` that reveals no SQL, stack or internal address.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code)) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = unwrapResolverError(error);
  logger.error(
    { err: original instanceof Error ? { message: original.message, stack: original.stack } : original, path: formatted.path },
    'internal error',
  );
  return new GraphQLError('Internal server error.', { path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }).toJSON();
}
