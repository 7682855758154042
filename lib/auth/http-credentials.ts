/**
 * Parsing of the credential headers shared by the gateway (client requests) and the subgraphs
 * (gateway requests): the bearer token of `Authorization` and the `x-request-id`.
 */
import { randomUUID } from 'node:crypto';

/** Longest request id accepted from a caller; longer ones are replaced. */
export const MAX_REQUEST_ID = 100;

/** The first value of a header that may repeat (Node gives arrays for some), if it is a string. */
export function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The token of an `Authorization: Bearer <token>` value (scheme case-insensitive, surrounding
 * whitespace ignored), or undefined when the header is missing or not of that form.
 */
export function bearerToken(header: unknown): string | undefined {
  const value = single(header)?.trim();
  if (!value) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(value);
  return m ? m[1] : undefined;
}

/** A request id a caller may choose: 1 to {@link MAX_REQUEST_ID} visible ASCII characters (no space, quote or backslash). */
const VALID_REQUEST_ID = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:;=@/,()[\]{}<>?]+$/;

/**
 * The request id of an `x-request-id` value, trimmed; a missing, empty, longer than
 * {@link MAX_REQUEST_ID} or otherwise invalid value (a space, a quote, a non-ASCII or control
 * character: anything that could forge a log field) is replaced by a new random UUID.
 */
export function requestIdFrom(header: unknown): string {
  const raw = single(header)?.trim();
  return raw && raw.length <= MAX_REQUEST_ID && VALID_REQUEST_ID.test(raw) ? raw : randomUUID();
}
