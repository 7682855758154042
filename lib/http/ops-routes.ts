/**
 * The operational endpoints every process serves (README, "Operations"): `/healthz` (liveness: the
 * event loop answers), `/readyz` (lib/http/readiness.ts: 200 only when every dependency check
 * passes, a JSON body naming the failing ones, 503 while draining) and `/metrics` (Prometheus text
 * format). Used by the GraphQL handler (lib/http/graphql-http-handler.ts) and by the relay's
 * small server (lib/http/ops-server.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Readiness } from './readiness';

/** What a process exposes on its operational endpoints. */
export interface OpsEndpoints {
  readiness: Readiness;
  /** The Prometheus exposition of the process's metrics. */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/** The operational endpoints by path: each answers its request (errors become a 500 without details). */
const OPS_ROUTES = new Map<string, (res: ServerResponse, ops: OpsEndpoints) => void>([
  [
    '/healthz',
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('{"status":"ok"}');
    },
  ],
  [
    '/readyz',
    (res, ops) => {
      void ops.readiness.report().then(
        (report) =>
          res
            .writeHead(report.status === 'ready' || report.status === 'degraded' ? 200 : 503, {
              'content-type': 'application/json',
              'cache-control': 'no-store',
            })
            .end(JSON.stringify(report)),
        () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":"error"}'),
      );
    },
  ],
  [
    '/metrics',
    (res, ops) => {
      void ops.metrics().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
      );
    },
  ],
]);

/** Paths of the operational endpoints (probes and scrapes: not work a client asked for). */
export const OPS_PATHS: ReadonlySet<string> = new Set(OPS_ROUTES.keys());

/**
 * Answers the request for `pathname` on `res` when it is one of the operational endpoints
 * ({@link OPS_PATHS}); false when it is not (the caller handles it). Errors become a 500 without details.
 */
export function handleOpsRequest(res: ServerResponse, pathname: string, ops: OpsEndpoints): boolean {
  const route = OPS_ROUTES.get(pathname);
  if (!route) return false;
  route(res, ops);
  return true;
}
