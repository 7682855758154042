/**
 * Scrubs secrets out of values about to be logged, wherever they hide in strings: bearer tokens,
 * anything shaped like a JWT, and the password of a URL (`postgresql://user:secret@host`). The
 * logger (lib/logger.ts) runs it on every log object and message, after pino's path-based `redact`.
 */

const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]+@/gi;

/** Most nesting levels {@link scrubSecrets} descends into. */
const MAX_DEPTH = 6;

function scrubString(value: string): string {
  if (value.length < 8) return value;
  return value.replace(BEARER, '$1 [REDACTED]').replace(JWT, '[REDACTED]').replace(URL_PASSWORD, '$1:[REDACTED]@');
}

/**
 * `value` with every string scrubbed (objects and arrays are copied, not changed in place; Errors
 * become `{ type, message, stack }`). Depth-limited; deeper values are kept as they are.
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrubString(value.message), ...(value.stack ? { stack: scrubString(value.stack) } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubSecrets(v, depth + 1);
  return out;
}
