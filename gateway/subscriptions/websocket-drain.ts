/**
 * Closing the gateway's WebSockets at shutdown so that clients come back: every socket is closed
 * with 1012 "Service Restart" (RFC 6455 close code registry, IANA), which graphql-ws clients treat
 * as retryable (only the 44xx codes of the protocol and a few others are fatal), so a client
 * reconnects, on another replica behind the load balancer, and resumes from its cursor.
 */
import type { WebSocketServer } from 'ws';

/** WebSocket close code "Service Restart" (IANA WebSocket Close Code Number Registry). */
export const CLOSE_SERVICE_RESTART = 1012;

/**
 * Closes every socket of `wss` with `code` and `reason` and resolves once they closed, or after
 * `timeoutMs` (default 2,000), when the remaining ones are terminated.
 */
export async function closeWebSockets(wss: WebSocketServer, code: number, reason: string, timeoutMs = 2000): Promise<void> {
  const sockets = [...wss.clients];
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            socket.terminate();
            resolve();
          }, timeoutMs);
          timer.unref();
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
        }),
    ),
  );
}
