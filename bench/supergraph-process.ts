/**
 * `npm start`'s process (apps/supergraph.main.ts: four subgraphs and the gateway in one process) as
 * a child of a benchmark, on free ports, so that the load generator does not share its event loop.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cpuProfArgs, freePort, startChild, type Child } from './proc';

const ROOT = join(__dirname, '..');

/** Environment of a supergraph whose per-user budgets and in-flight slots no benchmark spends. */
export const UNBOUNDED_ENV = {
  RATE_LIMIT_USER_REQUESTS_PER_MINUTE: '1000000000',
  RATE_LIMIT_USER_COST_PER_MINUTE: '1000000000',
  GATEWAY_MAX_IN_FLIGHT: '1000',
  GATEWAY_MAX_IN_FLIGHT_PER_TENANT: '1000',
  GATEWAY_MAX_QUEUED_PER_TENANT: '100000',
  GRAPHQL_PLANNING_QUEUE_PER_TENANT: '100000',
};

/** A running supergraph process. */
export interface SupergraphProcess {
  /** The gateway's GraphQL endpoint over HTTP. */
  url: string;
  wsUrl: string;
  /** The gateway's liveness endpoint. */
  health: string;
  child: Child;
}

/** Options of {@link startSupergraphProcess}. */
export interface SupergraphProcessOptions {
  /** The owner role's URL (migrations and the seed run on it at start; idempotent). */
  databaseUrl: string;
  /** Redis for the event log and budgets; the in-process event log without it. */
  redisUrl?: string;
  /** CPUs to pin it to (`taskset -c`), when the machine allows. */
  cpus?: string;
  /** More environment (configuration variables of the README). */
  env?: Record<string, string>;
  /** Write a `--cpu-prof` profile named `<cpuProfName>.cpuprofile` into this directory when the process stops. */
  cpuProfDir?: string;
  cpuProfName?: string;
}

/** Starts the supergraph process and resolves once it printed that it is ready (up to 120 s). */
export async function startSupergraphProcess(options: SupergraphProcessOptions): Promise<SupergraphProcess> {
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const prof = cpuProfArgs(options.cpuProfDir, options.cpuProfName ?? 'supergraph');
  // Node itself (not the tsx CLI, which would relay SIGTERM to a grandchild) so that `stop()` reaches
  // the supergraph's shutdown handler and a profile gets written.
  const { child } = await startChild(process.execPath, [...prof, '--import', 'tsx', join(ROOT, 'apps', 'supergraph.main.ts')], {
    cwd: ROOT,
    ...(options.cpus ? { cpus: options.cpus } : {}),
    ready: /Supergraph ready/,
    timeoutMs: 120_000,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      INTERNAL_JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'error',
      PORT: String(ports[0]),
      TENANT_PORT: String(ports[1]),
      CATALOG_PORT: String(ports[2]),
      ORDERS_PORT: String(ports[3]),
      NOTIFICATIONS_PORT: String(ports[4]),
      ...options.env,
    },
  });
  return {
    url: `http://127.0.0.1:${ports[0]}/graphql`,
    wsUrl: `ws://127.0.0.1:${ports[0]}/graphql`,
    health: `http://127.0.0.1:${ports[0]}/healthz`,
    child,
  };
}
