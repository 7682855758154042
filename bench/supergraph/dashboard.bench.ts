/**
 * The supergraph benchmark on our own subgraphs: the dashboard query (scripts/dashboard-query.ts)
 * through `startLocalSupergraph` over an embedded PostgreSQL (temporary, ephemeral), with extra
 * orders seeded for tenant acme through `placeOrder`. Measures
 *
 * - SQL statements per dashboard request (Prisma `onQuery`, the outbox relay's polling excluded) for
 *   `orders(first: 20)` and `orders(first: 100)`: they must be equal;
 * - the gateway's added latency: the dashboard through the gateway against the same subgraph
 *   requests sent directly (recorded once from the gateway through a recording proxy, replayed in
 *   the plan's dependency waves, with credentials minted by `CredentialSigner`);
 * - the highest open-loop arrival rate held with p99 under 100 ms and no failure.
 *
 * Gateway, subgraphs, PostgreSQL client and load generator share this process (as `npm start`
 * does), and PostgreSQL runs beside it: figures are for this machine and load, not absolute.
 */
import { createServer, request, Agent, type Server } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialSigner } from '../../lib/auth/internal-credential';
import { findDemoUser, mintDevToken } from '../../lib/auth/dev-token';
import { buildDemoData } from '../../lib/db/demo-data';
import { createLogger } from '../../lib/logger';
import { startGateway } from '../../gateway/gateway.server';
import { DASHBOARD_QUERY } from '../../scripts/dashboard-query';
import { gatewayOptions } from '../../apps/gateway-options';
import { startLocalSupergraph } from '../../apps/local-supergraph';
import { unboundedAdmission } from '../unbounded-budgets';
import { startBenchDatabase } from '../bench-database';
import { loadConfig } from '../../lib/config';
import { closedLoop, openLoop, percentile, type LoadTarget } from '../load';

/** Options of {@link runDashboardBench}. */
export interface DashboardBenchOptions {
  /** Arrival rates to try, ascending, requests per second. */
  rates: number[];
  /** Open-loop duration per rate, ms. */
  rateMs: number;
  /** Sequential samples for the added-latency comparison. */
  latencySamples: number;
  /** Orders to add to tenant acme before measuring (at least 100 in total are needed). */
  extraOrders: number;
  log: (line: string) => void;
}

/** One open-loop step of the rate sweep. */
export interface RateStep {
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  held: boolean;
}

/** Results of {@link runDashboardBench}. */
export interface DashboardBenchResult {
  sqlPerRequest: { first20: number; first100: number };
  ordersInTenant: number;
  direct: { p50: number; p95: number; fetches: number; waves: number };
  gateway: { p50: number; p95: number };
  steps: RateStep[];
  highestHeld?: number;
}

interface Recorded {
  subgraph: string;
  body: string;
  start: number;
  end: number;
}

/** A proxy in front of one subgraph that records the request bodies it forwards. */
async function recordingProxy(subgraph: string, target: string, log: Recorded[]): Promise<{ url: string; server: Server }> {
  const t = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: Recorded = { subgraph, body: body.toString('utf8'), start: performance.now(), end: 0 };
      const headers = { ...req.headers, host: t.host };
      const up = request({ agent, hostname: t.hostname, port: t.port, path: t.pathname, method: req.method, headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on('data', (c: Buffer) => out.push(c));
        upRes.on('end', () => {
          entry.end = performance.now();
          log.push(entry);
          res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(out));
        });
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/graphql`, server };
}

/** Groups recorded requests into waves: a request waits for every request that ended before it started. */
function waves(recorded: Recorded[]): Recorded[][] {
  const sorted = [...recorded].sort((a, b) => a.start - b.start);
  const wave = new Map<Recorded, number>();
  for (const r of sorted) {
    let w = 0;
    for (const o of sorted) if (o !== r && o.end <= r.start) w = Math.max(w, (wave.get(o) ?? 0) + 1);
    wave.set(r, w);
  }
  const out: Recorded[][] = [];
  for (const [r, w] of wave) (out[w] ??= []).push(r);
  return out;
}

function post(agent: Agent, url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the benchmark; stops the supergraph and the database it started. */
export async function runDashboardBench(options: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const { log } = options;
  const db = await startBenchDatabase('bench_supergraph');
  const cleanup: Array<() => Promise<unknown>> = [() => db.stop()];
  try {
    let sqlCount = 0;
    const logger = createLogger('bench', 'warn');
    const base = loadConfig({});
    const stack = await startLocalSupergraph({
      config: unboundedAdmission({ ...base, database: { ...base.database, url: db.url } }),
      logger,
      ephemeralPorts: true,
      onQuery: (sql) => {
        if (!sql.includes('outbox')) sqlCount++;
      },
    });
    cleanup.unshift(() => stack.stop());
    const token = await mintDevToken({ tenant: 'acme', user: 'owner@acme.test', secret: stack.config.jwt.secret });
    const auth = { authorization: `Bearer ${token}` };
    const agent = new Agent({ keepAlive: true });

    // Seed extra orders through the API (stock, numbering and outbox exactly as in production).
    const acme = findDemoUser('acme', 'owner@acme.test');
    const products = buildDemoData().products.filter((p) => p.tenantId === acme.tenantId && p.stock >= 100);
    for (let i = 0; i < options.extraOrders; i++) {
      const product = products[i % products.length]!;
      const res = await post(
        agent,
        stack.gatewayUrl,
        JSON.stringify({
          query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          variables: { input: { lines: [{ productId: product.id, quantity: 1 }], idempotencyKey: `bench-${i}` } },
        }),
        auth,
      );
      if (res.status !== 200 || res.body.includes('"errors"')) throw new Error(`placeOrder failed: ${res.body.slice(0, 300)}`);
    }
    const countRes = await post(
      agent,
      stack.gatewayUrl,
      JSON.stringify({ query: '{ orders(first: 100) { edges { cursor } pageInfo { hasNextPage } } }' }),
      auth,
    );
    const ordersInTenant = (JSON.parse(countRes.body) as { data: { orders: { edges: unknown[] } } }).data.orders.edges.length;
    log(`  seeded ${options.extraOrders} orders; tenant acme lists ${ordersInTenant} (first: 100)`);

    // Wait until the order events have become notifications, so the dashboard stops changing.
    const body20 = JSON.stringify({ query: DASHBOARD_QUERY });
    let expected = '';
    for (let i = 0; i < 60; i++) {
      const r = await post(agent, stack.gatewayUrl, body20, auth);
      if (r.status === 200 && !r.body.includes('"errors"') && r.body === expected) break;
      expected = r.body;
      await sleep(500);
    }
    const expectedJson: unknown = JSON.parse(expected);
    const check = (status: number, text: string) =>
      status === 200 && (text === expected || isDeepStrictEqual(JSON.parse(text), expectedJson));

    // SQL statements per request.
    const sqlFor = async (first: number) => {
      const body = JSON.stringify({ query: DASHBOARD_QUERY.replace('orders(first: 20)', `orders(first: ${first})`) });
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        sqlCount = 0;
        const r = await post(agent, stack.gatewayUrl, body, auth);
        if (r.status !== 200 || r.body.includes('"errors"')) throw new Error(`dashboard failed: ${r.body.slice(0, 300)}`);
        counts.push(sqlCount);
      }
      return Math.min(...counts);
    };
    const sqlPerRequest = { first20: await sqlFor(20), first100: await sqlFor(100) };
    log(`  SQL statements per dashboard request: ${sqlPerRequest.first20} (first: 20), ${sqlPerRequest.first100} (first: 100)`);

    // Record the subgraph requests of one dashboard request through a second gateway behind recording proxies.
    const recorded: Recorded[] = [];
    const proxies = await Promise.all(Object.entries(stack.subgraphUrls).map(([name, url]) => recordingProxy(name, url, recorded)));
    const recGateway = await startGateway({
      ...gatewayOptions(stack.config),
      eventStreams: stack.eventLog.streams,
      logger,
      port: 0,
      host: '127.0.0.1',
      subgraphUrls: Object.fromEntries(Object.keys(stack.subgraphUrls).map((name, i) => [name, proxies[i]!.url])),
    });
    const recUrl = `http://127.0.0.1:${recGateway.port}/graphql`;
    await post(agent, recUrl, body20, auth);
    recorded.length = 0;
    const recordedAnswer = await post(agent, recUrl, body20, auth);
    if (!check(recordedAnswer.status, recordedAnswer.body)) throw new Error('recording gateway answered differently');
    await recGateway.stop();
    for (const p of proxies) await new Promise<void>((resolve) => p.server.close(() => resolve()));
    const plan = waves(recorded);

    // Direct calls with credentials minted by CredentialSigner for the same principal.
    const signer = new CredentialSigner(stack.config.internalSecret!);
    const principal = { tenantId: acme.tenantId, userId: acme.id, scopes: acme.scopes, requestId: 'bench-direct' };
    const credentials = new Map<string, string>();
    for (const name of Object.keys(stack.subgraphUrls)) credentials.set(name, await signer.sign(principal, name));
    const direct = async () => {
      for (const wave of plan) {
        await Promise.all(
          wave.map(async (r) => {
            const res = await post(agent, stack.subgraphUrls[r.subgraph as keyof typeof stack.subgraphUrls], r.body, {
              authorization: `Bearer ${credentials.get(r.subgraph)!}`,
              'x-request-id': 'bench-direct',
            });
            if (res.status !== 200 || res.body.includes('"errors"'))
              throw new Error(`direct ${r.subgraph} call failed: ${res.body.slice(0, 300)}`);
          }),
        );
      }
    };
    const viaGateway = async () => {
      const r = await post(agent, stack.gatewayUrl, body20, auth);
      if (!check(r.status, r.body)) throw new Error(`gateway dashboard answered wrongly: ${r.body.slice(0, 300)}`);
    };
    const directMs: number[] = [];
    const gatewayMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      await direct();
      await viaGateway();
    }
    for (let i = 0; i < options.latencySamples; i++) {
      let t = performance.now();
      await direct();
      directMs.push(performance.now() - t);
      t = performance.now();
      await viaGateway();
      gatewayMs.push(performance.now() - t);
    }
    directMs.sort((a, b) => a - b);
    gatewayMs.sort((a, b) => a - b);
    const result: DashboardBenchResult = {
      sqlPerRequest,
      ordersInTenant,
      direct: { p50: percentile(directMs, 50), p95: percentile(directMs, 95), fetches: recorded.length, waves: plan.length },
      gateway: { p50: percentile(gatewayMs, 50), p95: percentile(gatewayMs, 95) },
      steps: [],
    };
    log(
      `  direct ${recorded.length} subgraph calls in ${plan.length} waves: p50 ${result.direct.p50.toFixed(1)} ms; through the gateway p50 ${result.gateway.p50.toFixed(1)} ms`,
    );

    // Rate sweep.
    const target: LoadTarget = { url: stack.gatewayUrl, body: body20, headers: auth, check };
    await closedLoop(target, 4, 2000);
    for (const rate of options.rates) {
      const run = await openLoop(target, rate, options.rateMs);
      const step: RateStep = {
        rate,
        p50: percentile(run.latenciesMs, 50),
        p99: percentile(run.latenciesMs, 99),
        ok: run.ok,
        failed: run.failed,
        held: run.failed === 0 && percentile(run.latenciesMs, 99) < 100,
      };
      result.steps.push(step);
      log(
        `  ${rate} req/s: p50 ${step.p50.toFixed(1)} ms, p99 ${step.p99.toFixed(1)} ms, ${run.failed} failed${run.firstFailure ? ` (${run.firstFailure.slice(0, 120)})` : ''}`,
      );
      if (step.held) result.highestHeld = rate;
      else break;
    }
    agent.destroy();
    return result;
  } finally {
    for (const c of cleanup) await c().catch(() => undefined);
  }
}
