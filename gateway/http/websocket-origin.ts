/**
 * The `Origin` check of the WebSocket upgrade (RFC 6455, section 10.2: servers that are not meant
 * for every site check it). Browsers always send `Origin` on a WebSocket handshake and do not apply
 * CORS to it, so without this check any page could open a socket to the gateway; the check uses the
 * same allow-list as CORS (gateway/http/cors-policy.ts).
 *
 * - No `Origin` header: allowed (graphql-ws clients in Node, CLIs and servers send none).
 * - The gateway's own origin (the `Origin` host equals the request's `Host`): allowed, so the IDE
 *   page served by the gateway works in production with an empty allow-list.
 * - Any other origin: allowed only when the allow-list matches it; otherwise the handshake is
 *   refused with HTTP 403 before any graphql-ws message.
 */
import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import { normaliseOrigin } from '../../lib/http/origin-pattern';

/** Status of a handshake refused for its origin. */
export const WS_ORIGIN_REFUSED_STATUS = 403;

/** Whether the upgrade request `req` with `origin` may open a WebSocket (see the module doc). */
export function isWebSocketOriginAllowed(
  req: IncomingMessage,
  origin: string | undefined,
  allowsOrigin: (origin: string) => boolean,
): boolean {
  if (origin === undefined || origin === '') return true;
  const normalised = normaliseOrigin(origin);
  if (normalised && req.headers.host && new URL(normalised).host === req.headers.host.toLowerCase()) return true;
  return allowsOrigin(origin);
}

/** A `ws` `verifyClient` that applies {@link isWebSocketOriginAllowed}. */
export function verifyWebSocketOrigin(allowsOrigin: (origin: string) => boolean): VerifyClientCallbackAsync<IncomingMessage> {
  return ({ origin, req }, callback) => {
    if (isWebSocketOriginAllowed(req, origin, allowsOrigin)) callback(true);
    else callback(false, WS_ORIGIN_REFUSED_STATUS, 'Origin not allowed');
  };
}
