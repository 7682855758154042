/**
 * The federation tax on the dashboard query (part of `npm run bench`): our supergraph as deployed,
 * each of the four subgraphs (apps/subgraph.main.ts) and the gateway (apps/gateway.main.ts) in its
 * own process, against the monolith baseline (bench/monolith/monolith-server.ts: the same schema,
 * resolvers, services and repositories in one Apollo Server, no gateway, no subgraph hop), over the
 * same embedded PostgreSQL and data. All server processes run with `NODE_ENV=production`, as the
 * Dockerfile deploys them, and are pinned to CPU 1, PostgreSQL, Redis and the load generator to CPU 0,
 * where the machine allows.
 *
 * Measures, rounds interleaved: requests per CPU-second of the server processes (all five for the
 * supergraph), and with PostgreSQL's CPU added; p50 / p99 at a fixed arrival rate (open loop); RSS of
 * the server processes; the monolith's SQL statements per request at 20 and 100 orders. Every
 * response is compared with the monolith's first answer, so both serve the same data.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { mintDevToken } from '../../lib/auth/dev-token';
import { SUBGRAPHS } from '../../lib/schema/subgraphs';
import { DASHBOARD_QUERY } from '../../scripts/dashboard-query';
import { startRedisServer } from '../../test/support/redis-server';
import { startBenchDatabase } from '../bench-database';
import { closedLoop, openLoop, percentile, postGraphQL, type LoadTarget } from '../load';
import { cpuProfArgs, cpuSeconds, freePort, pinLoadGeneratorToCpu0, rssMiB, startChild, waitFor, type Child } from '../proc';
import { runAsScript } from '../report';
import { UNBOUNDED_ENV } from '../supergraph-process';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Options of {@link runFederationTaxBench}. */
export interface FederationTaxOptions {
  rounds: number;
  /** Closed-loop duration per round and deployment, ms, and its connections. */
  throughputMs: number;
  connections: number;
  /** Fixed arrival rate, requests per second, and for how long, ms. */
  rate: number;
  rateMs: number;
  /** Orders placed for tenant acme before measuring (the seed has 12; the query lists 20). */
  extraOrders: number;
  /** Write `--cpu-prof` profiles of the server processes (tax-gateway, tax-<subgraph>, tax-monolith) into this directory. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

/** The options `npm run bench` runs with (add `log`). */
export const FEDERATION_TAX_DEFAULTS: Omit<FederationTaxOptions, 'log'> = {
  rounds: 3,
  throughputMs: 8000,
  connections: 8,
  rate: 20,
  rateMs: 15_000,
  extraOrders: 90,
};

/** One deployment's figures. */
export interface DeploymentResult {
  /** Requests per CPU-second of its server processes, one per round. */
  rpsPerCpu: number[];
  /** The same with PostgreSQL's CPU-seconds added. */
  rpsPerCpuWithPostgres: number[];
  /** Requests per second (wall), one per round. */
  rps: number[];
  ok: number;
  failed: number;
  p50: number;
  p99: number;
  rateOk: number;
  rateFailed: number;
  /** RSS of its server processes at the end, MiB. */
  rssMiB: number;
  processes: number;
  firstFailure?: string;
}

/** Results of {@link runFederationTaxBench}. */
export interface FederationTaxResult {
  pinned: boolean;
  rate: number;
  monolith: DeploymentResult;
  supergraph: DeploymentResult;
  /** SQL statements per dashboard request in the monolith, with `orders(first: 20)` and `orders(first: 100)`. */
  monolithSql: { first20: number; first100: number };
}

interface Deployment {
  children: Child[];
  url: string;
}

function emptyResult(processes: number): DeploymentResult {
  return {
    rpsPerCpu: [],
    rpsPerCpuWithPostgres: [],
    rps: [],
    ok: 0,
    failed: 0,
    p50: NaN,
    p99: NaN,
    rateOk: 0,
    rateFailed: 0,
    rssMiB: 0,
    processes,
  };
}

/**
 * Command of server process `name` running `file`: through the tsx CLI as deployed (Dockerfile,
 * docker-compose.yml), or, to profile it, node itself with `--cpu-prof` (the tsx CLI would run the
 * program in a child of its own).
 */
function serverCommand(file: string, args: string[], name: string, cpuProfDir?: string): [string, string[]] {
  if (!cpuProfDir) return [TSX, [file, ...args]];
  return [process.execPath, [...cpuProfArgs(cpuProfDir, `tax-${name}`), '--import', 'tsx', file, ...args]];
}

/** Runs the federation-tax benchmark (see the file comment). */
export async function runFederationTaxBench(o: FederationTaxOptions): Promise<FederationTaxResult> {
  const pinned = await pinLoadGeneratorToCpu0();
  const db = await startBenchDatabase('bench_federation_tax', { unlimitedStock: true });
  const redis = await startRedisServer();
  const children: Child[] = [];
  const onServerCpu = pinned ? { cpus: '1' } : {};
  try {
    // As deployed (the Dockerfile sets NODE_ENV=production), both sides: production mode refuses the
    // development JWT secret, so the benchmark signs its token with a secret of its own.
    const jwtSecret = randomBytes(32).toString('hex');
    const common = {
      ...process.env,
      NODE_ENV: 'production',
      JWT_SECRET: jwtSecret,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
    };
    const internalSecret = randomBytes(32).toString('hex');
    const subgraphEnv: Record<string, string> = {};
    await Promise.all(
      SUBGRAPHS.map(async ({ name }) => {
        const port = await freePort();
        const { child } = await startChild(...serverCommand(join(ROOT, 'apps', 'subgraph.main.ts'), [name], name, o.cpuProfDir), {
          cwd: ROOT,
          ...onServerCpu,
          env: { ...common, INTERNAL_JWT_SECRET: internalSecret, [`${name.toUpperCase()}_PORT`]: String(port) },
        });
        children.push(child);
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 120_000);
        subgraphEnv[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${port}/graphql`;
      }),
    );
    const gatewayPort = await freePort();
    const { child: gateway } = await startChild(...serverCommand(join(ROOT, 'apps', 'gateway.main.ts'), [], 'gateway', o.cpuProfDir), {
      cwd: ROOT,
      ...onServerCpu,
      env: { ...common, ...UNBOUNDED_ENV, ...subgraphEnv, INTERNAL_JWT_SECRET: internalSecret, PORT: String(gatewayPort) },
    });
    children.push(gateway);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/healthz`)).ok, 120_000);
    const supergraph: Deployment = { children: [...children], url: `http://127.0.0.1:${gatewayPort}/graphql` };

    /** A monolith process; with `statsPort`, one that counts its SQL statements (not the measured one: counting costs CPU). */
    const startMonolith = async (statsPort?: number): Promise<Deployment> => {
      const port = await freePort();
      const { child } = await startChild(
        ...serverCommand(join(__dirname, '..', 'monolith', 'monolith-server.ts'), [], 'monolith', statsPort ? undefined : o.cpuProfDir),
        {
          cwd: ROOT,
          ...onServerCpu,
          env: { ...common, PORT: String(port), ...(statsPort ? { STATS_PORT: String(statsPort) } : {}) },
          ready: /MONOLITH READY/,
          timeoutMs: 120_000,
        },
      );
      children.push(child);
      return { children: [child], url: `http://127.0.0.1:${port}/graphql` };
    };
    const monolith = await startMonolith();

    const token = await mintDevToken({ tenant: 'acme', user: 'owner@acme.test', secret: jwtSecret });
    const products = await postGraphQL<{ products: { edges: { node: { id: string } }[] } }>(
      supergraph.url,
      token,
      '{ products(first: 10) { edges { node { id } } } }',
    );
    const productIds = products.products.edges.map((e) => e.node.id);
    o.log(`  placing ${o.extraOrders} orders for tenant acme`);
    for (let i = 0; i < o.extraOrders; i++) {
      await postGraphQL(supergraph.url, token, 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {
        input: { lines: [{ productId: productIds[i % productIds.length], quantity: 1 }] },
      });
    }

    const expected = await postGraphQL(monolith.url, token, DASHBOARD_QUERY);
    const fromGateway = await postGraphQL(supergraph.url, token, DASHBOARD_QUERY);
    if (!isDeepStrictEqual(expected, fromGateway)) {
      throw new Error(
        `the monolith and the supergraph answer the dashboard query differently:\n${JSON.stringify(expected).slice(0, 500)}\n${JSON.stringify(fromGateway).slice(0, 500)}`,
      );
    }
    const statsPort = await freePort();
    const counting = await startMonolith(statsPort);
    const sqlCount = async () => Number(await (await fetch(`http://127.0.0.1:${statsPort}/sql`)).text());
    const sqlOf = async (query: string) => {
      await postGraphQL(counting.url, token, query); // warm: the first request may run one-off statements
      const before = await sqlCount();
      await postGraphQL(counting.url, token, query);
      return (await sqlCount()) - before;
    };
    const monolithSql = {
      first20: await sqlOf(DASHBOARD_QUERY),
      first100: await sqlOf(DASHBOARD_QUERY.replace('orders(first: 20)', 'orders(first: 100)')),
    };
    await counting.children[0]!.stop();

    const body = JSON.stringify({ query: DASHBOARD_QUERY });
    const check = (status: number, text: string) => {
      if (status !== 200) return false;
      try {
        return isDeepStrictEqual(JSON.parse(text), { data: expected }); // the whole body: no `errors`
      } catch {
        return false;
      }
    };
    const targetOf = (d: Deployment): LoadTarget => ({ url: d.url, body, headers: { authorization: `Bearer ${token}` }, check });
    const results = { monolith: emptyResult(1), supergraph: emptyResult(supergraph.children.length) };
    const deployments = { monolith, supergraph };
    const cpuOf = (d: Deployment) => d.children.reduce((s, c) => s + cpuSeconds(c.pid), 0);
    for (const d of Object.values(deployments)) await closedLoop(targetOf(d), o.connections, 2000); // warm-up
    for (let round = 0; round < o.rounds; round++) {
      for (const [name, d] of Object.entries(deployments) as [keyof typeof deployments, Deployment][]) {
        o.log(`  round ${round + 1}/${o.rounds}: ${name}`);
        const [cpu0, pg0] = [cpuOf(d), cpuSeconds(db.postmaster, true)];
        const r = await closedLoop(targetOf(d), o.connections, o.throughputMs);
        const [cpu, pg] = [cpuOf(d) - cpu0, cpuSeconds(db.postmaster, true) - pg0];
        const out = results[name];
        out.rpsPerCpu.push(r.ok / cpu);
        out.rpsPerCpuWithPostgres.push(r.ok / (cpu + pg));
        out.rps.push(r.ok / r.seconds);
        out.ok += r.ok;
        out.failed += r.failed;
        out.firstFailure ??= r.firstFailure;
      }
    }
    for (const [name, d] of Object.entries(deployments) as [keyof typeof deployments, Deployment][]) {
      o.log(`  ${name} at ${o.rate} requests/s`);
      const r = await openLoop(targetOf(d), o.rate, o.rateMs);
      const out = results[name];
      out.p50 = percentile(r.latenciesMs, 50);
      out.p99 = percentile(r.latenciesMs, 99);
      out.rateOk = r.ok;
      out.rateFailed = r.failed;
      out.firstFailure ??= r.firstFailure;
      out.rssMiB = d.children.reduce((s, c) => s + rssMiB(c.pid), 0);
    }
    return { pinned, rate: o.rate, ...results, monolithSql };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await redis.stop();
    await db.stop();
  }
}

if (require.main === module) {
  runAsScript(() => runFederationTaxBench({ ...FEDERATION_TAX_DEFAULTS, log: (l) => console.log(l) }));
}
