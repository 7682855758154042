/**
 * A small HTTP server with only the operational endpoints (lib/http/ops-routes.ts), for processes
 * that serve no GraphQL: the outbox relay (`npm run start:relay`, on `RELAY_PORT`).
 */
import { createServer, type Server } from 'node:http';
import { handleOpsRequest, type OpsEndpoints } from './ops-routes';

/** A listening operational server. */
export interface OpsServer {
  port: number;
  /** Stops listening and closes idle connections. */
  close(): Promise<void>;
}

/**
 * Serves `/healthz`, `/readyz` and `/metrics` on `port` (0 picks a free one); anything else is 404.
 * @throws the listen error (for example `EADDRINUSE`).
 */
export async function startOpsServer(ops: OpsEndpoints, port: number, host = '0.0.0.0'): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (!handleOpsRequest(res, pathname, ops)) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
