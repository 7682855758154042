/**
 * Cross-origin access to the gateway for browsers (the Fetch standard's CORS protocol), with the
 * `cors` package: an allow-list of origins (`CORS_ORIGINS`, lib/http/origin-pattern.ts), the
 * same list the WebSocket upgrade checks `Origin` against (gateway/http/websocket-origin.ts).
 *
 * - An allowed origin gets `Access-Control-Allow-Origin: <origin>` (`Vary: Origin`) on every
 *   response, and its preflights (`OPTIONS`) are answered 204 with the allowed methods
 *   ({@link CORS_METHODS}), request headers ({@link CORS_ALLOWED_HEADERS}: `authorization`,
 *   `content-type`, Apollo's CSRF preflight headers, ...) and `Access-Control-Max-Age`.
 * - Responses expose `x-request-id` and `retry-after` to scripts ({@link CORS_EXPOSED_HEADERS}).
 * - Any other origin gets no `Access-Control-*` header, so the browser refuses the response; its
 *   preflight is answered 403. No credentials mode: the gateway authenticates bearer tokens only,
 *   which a browser never attaches by itself, so Apollo's CSRF prevention stays on as it is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import { originMatcher } from '../../lib/http/origin-pattern';

/** Methods a cross-origin page may use. */
export const CORS_METHODS = ['GET', 'POST', 'OPTIONS'] as const;

/**
 * Request headers a cross-origin page may send: the bearer token, JSON bodies, Apollo's CSRF
 * preflight headers (`apollo-require-preflight`, `x-apollo-operation-name`), Apollo clients'
 * identification, the request id, a platform admin's tenant, and `last-event-id` for fetch-based
 * SSE clients that resume.
 */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'x-tenant-id',
  'last-event-id',
] as const;

/** Response headers scripts on an allowed origin may read. */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'] as const;

/** How long a browser may cache a preflight answer, seconds (Chromium caps it at 7,200). */
export const CORS_MAX_AGE_SECONDS = 7200;

/** The CORS side of the gateway's HTTP handling. */
export interface CorsPolicy {
  /** Whether a browser page of `origin` may call the gateway. */
  allowsOrigin(origin: string): boolean;
  /**
   * Sets the CORS headers of `req`'s response; answers a preflight itself. Returns true when the
   * response was sent (a preflight), false when the request goes on.
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean;
}

/** The policy for `origins` (allow-list entries, lib/http/origin-pattern.ts). */
export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  const allowsOrigin = originMatcher(origins);
  const middleware = cors({
    origin: origins.includes('*') ? '*' : (origin, callback) => callback(null, origin !== undefined && allowsOrigin(origin)),
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_MAX_AGE_SECONDS,
    optionsSuccessStatus: 204,
  });
  return {
    allowsOrigin,
    apply(req, res) {
      let passed = false;
      // The middleware is synchronous here: it either answers a preflight or calls next at once.
      middleware(req, res, (err?: unknown) => {
        if (err) throw err;
        passed = true;
      });
      if (!passed) return true;
      if (req.method !== 'OPTIONS') return false;
      // A preflight of an origin that is not allowed (the middleware let it through untouched).
      const preflight = req.headers.origin !== undefined;
      res.setHeader('allow', CORS_METHODS.join(', '));
      res
        .writeHead(preflight ? 403 : 204, preflight ? { 'content-type': 'application/json' } : {})
        .end(preflight ? JSON.stringify({ error: 'This origin is not allowed (CORS_ORIGINS).' }) : undefined);
      return true;
    },
  };
}
