/**
 * The operational endpoints every process serves (README, "Operations"): `/healthz` (liveness: the
 * event loop answers), `/readyz` (lib/http/readiness.ts: 200 only when every dependency check
 * passes, a JSON body naming the failing ones, 503 while draining) and `/metrics` (Prometheus text
 * format). Used by the GraphQL handler (lib/http/graphql-http-handler.ts) and by the relay's
 * small server (lib/http/ops-server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness } from './readiness';

/** Paths of the operational endpoints (probes and scrapes: not work a client asked for). */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** What a process exposes on its operational endpoints. */
export interface OpsEndpoints {
  readiness: Readiness;
  /** The Prometheus exposition of the process's metrics. */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/**
 * Answers `req` when it is one of the operational endpoints; false when it is not (the caller
 * handles it). Errors become a 500 without details.
 */
export function handleOpsRequest(req: IncomingMessage, res: ServerResponse, pathname: string, ops: OpsEndpoints): boolean {
  if (pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('{"status":"ok"}');
    return true;
  }
  if (pathname === '/readyz') {
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
    return true;
  }
  if (pathname === '/metrics') {
    void ops.metrics().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
    );
    return true;
  }
  return false;
}
