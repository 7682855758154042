/**
 * The errors the admission pipeline answers with (README, "Errors" and "Limits, cost and rate
 * limits"). Every one carries a documented `extensions.code` and the HTTP status the HTTP adapter
 * answers with (`extensions.http`, which Apollo Server turns into the response status and headers
 * and the error masking strips from the body). The limit codes are the ones Apollo Router uses for
 * the same limits, so clients written against either read them alike.
 */
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';

/** `extensions.code` of an operation over one of the document limits (HTTP 400). */
export const LIMIT_CODES = {
  depth: 'MAX_DEPTH_LIMIT',
  aliases: 'MAX_ALIASES_LIMIT',
  rootFields: 'MAX_ROOT_FIELDS_LIMIT',
  fields: 'MAX_FIELDS_LIMIT',
  directives: 'MAX_DIRECTIVES_LIMIT',
  tokens: 'MAX_TOKENS_LIMIT',
  characters: 'MAX_CHARACTERS_LIMIT',
  cost: 'COST_ESTIMATED_TOO_EXPENSIVE',
} as const;

/** Which document limit an operation exceeded. */
export type LimitName = keyof typeof LIMIT_CODES;

/** Every `extensions.code` the admission pipeline answers with (they pass the error masking). */
export const ADMISSION_ERROR_CODES: readonly string[] = [
  ...Object.values(LIMIT_CODES),
  'RATE_LIMITED',
  'INTROSPECTION_DISABLED',
  'PERSISTED_QUERY_NOT_FOUND',
  'TRUSTED_DOCUMENT_REQUIRED',
  'QUERY_PLANNING_TIMEOUT',
  'SERVICE_UNAVAILABLE',
];

/** HTTP status and headers an error carries for the HTTP adapter. */
function http(status: number, headers: Array<[string, string]> = []) {
  return { status, headers: new HeaderMap(headers) };
}

/**
 * An operation over a document limit: `extensions.code` from {@link LIMIT_CODES}, `limit` (the
 * configured maximum) and `found` (what the operation has), HTTP 400.
 */
export function limitExceeded(limit: LimitName, max: number, found: number, what: string): GraphQLError {
  return new GraphQLError(`The operation has ${found} ${what}; at most ${max} are allowed.`, {
    extensions: { code: LIMIT_CODES[limit], limit: max, found, http: http(400) },
  });
}

/**
 * `RATE_LIMITED` (HTTP 429 with `Retry-After`, RFC 9110 section 10.2.3, in whole seconds):
 * `extensions.retryAfter` is the same delay in seconds, `extensions.budget` names the budget spent
 * (`tenant-requests`, `user-requests`, `tenant-cost`, `user-cost`, `tenant-sockets`, ...).
 */
export function rateLimited(message: string, budget: string, retryAfterMs: number): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GraphQLError(message, {
    extensions: { code: 'RATE_LIMITED', budget, retryAfter, http: http(429, [['retry-after', String(retryAfter)]]) },
  });
}

/** A client error of `code` answered with HTTP `status` (400 unless told). */
export function admissionError(code: string, message: string, status = 400, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, http: http(status) } });
}

/** `error` without `extensions.http`, which only the HTTP transport reads (for WebSocket and SSE messages). */
export function withoutHttp(error: GraphQLError): GraphQLError {
  if (!('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}
