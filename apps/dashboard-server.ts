/**
 * Serves the example dashboard's build (examples/dashboard/dist) on its own port, as a separate
 * browser origin, the way a real dashboard is deployed apart from its API (so CORS and the
 * WebSocket `Origin` check are exercised as in production), plus `config.json`: where the gateway
 * is and, in development, the demo users' tokens to sign in with (minted per request).
 */
import { createServer, type Server } from 'node:http';
import sirv from 'sirv';
import type { IdeDevToken } from '../gateway/http/graphql-ide.page';
import { DASHBOARD_DIST } from './dashboard-build';

/** What the dashboard reads from `config.json`. */
export interface DashboardConfig {
  /** The gateway's HTTP endpoint. */
  gatewayUrl: string;
  /** The gateway's graphql-ws endpoint. */
  wsUrl: string;
  /** Tokens the sign-in screen offers (development only; empty otherwise). */
  devTokens: IdeDevToken[];
}

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** Listen port; 0 picks a free one. */
  port: number;
  host?: string;
  /** The configuration handed to the page, built per request. */
  config: () => Promise<DashboardConfig>;
  /** The build to serve (default examples/dashboard/dist). */
  distDir?: string;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://localhost:<port>/`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const files = sirv(options.distDir ?? DASHBOARD_DIST, { single: true, etag: true, dev: false });
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/config.json') {
      options.config().then(
        (config) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config)),
        () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"configuration unavailable"}'),
      );
      return;
    }
    files(req, res, () => void res.writeHead(404).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://localhost:${port}/`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
