/**
 * The Apollo `formatError` shared by the gateway and the subgraphs: client-facing errors pass with
 * internal extensions removed; anything else is logged and replaced by a generic error.
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { CLIENT_ERROR_CODES } from './errors';
import type { Logger } from './logger';

/** Codes whose messages are written for clients: the domain ones plus Apollo's request errors. */
const PASS_THROUGH_CODES: ReadonlySet<string> = new Set([
  ...CLIENT_ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extensions that reveal internals (subgraph names, URLs, bodies, stacks) and never reach clients. */
const INTERNAL_EXTENSIONS: ReadonlySet<string> = new Set(['stacktrace', 'exception', 'serviceName', 'response', 'http']);

/**
 * Apollo `formatError`: an error with a client-facing code keeps its message, locations, path and
 * safe extensions (subgraph errors passed through the gateway included); anything else (a database
 * error, a bug, a failed subgraph fetch) is logged on `logger` and replaced by
 * `INTERNAL_SERVER_ERROR` "Internal server error.", which reveals no SQL, stack or internal address.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH_CODES.has(code)) {
    const extensions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(formatted.extensions ?? {})) if (!INTERNAL_EXTENSIONS.has(k)) extensions[k] = v;
    return {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions,
    };
  }
  const original = unwrapResolverError(error);
  logger.error(
    { err: original instanceof Error ? { message: original.message, stack: original.stack } : original, code, path: formatted.path },
    'internal error',
  );
  return new GraphQLError('Internal server error.', { path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }).toJSON();
}
