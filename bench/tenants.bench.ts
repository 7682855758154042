/**
 * Many-tenants benchmark: `npm run bench:tenants [-- --rounds N]` (not part of `npm test`; about 3
 * minutes per round, loopback only). An embedded PostgreSQL with the demo data and 10,000 small
 * tenants (scripts/seed-many-tenants.ts: an owner and 3 products each, no orders), then, for each
 * tenancy path, `npm start`'s process (apps/supergraph.main.ts) in a child process with that path
 * configured, and the dashboard query (scripts/dashboard-query.ts) in a closed loop of 16
 * connections, each request with the token of the next tenant in turn, after one request of each
 * tenant (its first, reported apart: caches cold) and 3 s of warm-up; each new process is first
 * warmed up for 8 s on two tenants outside the measured ones:
 *
 * - spread over 2 tenants (the baseline: every tenant hot) and over 1,000 of the 10,000 at once (in
 *   turn first: odd rounds start with 2, even rounds with 1,000; run 2 rounds or more);
 * - tenancy paths: per-tenant pools (the default: shared pool of 10 plus 5 tenant pools of 4, a
 *   budget of 30 connections), per-transaction setting on one shared pool of 30 (`DB_TENANT_POOLS=false`),
 *   and PgBouncer in transaction mode (Debian's `pgbouncer`, 10 server connections) in front of the
 *   same per-transaction path.
 *
 * Then `placeOrder` over another 1,000 tenants for 10 s (orders per second, p50/p99), so that the
 * measured dashboards never change (their tenants have no orders).
 *
 * Reports requests per second, p50/p99 ms (closed loop, from send to answer), wrong or failed
 * answers (every answer must be the token's own tenant's, without errors) and the most PostgreSQL
 * server connections of the app role seen (sampled every 25 ms from `pg_stat_activity`), and the CPU
 * time per answer of the supergraph process and of PostgreSQL (from /proc). Budgets are
 * out of the way (every tenant on an unbounded plan): this measures the database path, not the
 * admission pipeline. Figures go to stdout, bench/results/tenants.md and bench/results/tenants.json
 * (read by scripts/capacity-model.ts). On a machine with two or more CPUs (and `taskset`),
 * PostgreSQL, PgBouncer and the supergraph run on CPU 1 and the load generator on CPU 0.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { devTokenSettings, signDevToken } from '../lib/auth/dev-token';
import { appDatabaseUrl, DEFAULT_APP_ROLE, loadConfig } from '../lib/config';
import { TENANT_SCOPES } from '../lib/db/demo-data';
import { startEmbeddedPostgres } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { DASHBOARD_QUERY } from '../scripts/dashboard-query';
import { SCALE_PRODUCTS, scaleProductId, seedManyTenants, type ScaleTenant } from '../scripts/seed-many-tenants';
import { startPgBouncer } from '../test/support/pgbouncer';
import { closedLoop, eachOnce, percentile, type LoadTarget } from './load';
import { canPin, cpuSeconds, freePort, waitFor } from './proc';
import { startSupergraphProcess, UNBOUNDED_ENV } from './supergraph-process';
import { f0, f1, f2, median, table } from './report';
import { unboundedPlans } from './unbounded-budgets';

const TENANTS = 10_000;
const ACTIVE = 1_000;
const CONNECTIONS = 16;
const WARMUP_MS = 3_000;
const PROCESS_WARMUP_MS = 8_000;
const MEASURE_MS = 15_000;
const PGBOUNCER_POOL = 10;
const ORDERS_MS = 10_000;
const RESULTS = join(__dirname, 'results');
const PINNED = canPin(cpus().length);
/** Pins this process (all its threads, and the children it starts from now on) to `cpu`. */
const pinSelf = (cpu: string) => PINNED && execFileSync('taskset', ['-a', '-cp', cpu, String(process.pid)], { stdio: 'ignore' });

/** A tenancy path under test. */
type PathName = 'per-tenant pools' | 'per-transaction' | 'PgBouncer';

/** CPU ms per correct answer: the supergraph process (gateway and four subgraphs), PostgreSQL (PgBouncer's not counted). */
export interface CpuPerAnswer {
  supergraphMs: number;
  postgresMs: number;
}

/** One measured spread of one path in one round. */
export interface TenantsBenchRow {
  path: PathName;
  /** Tenants the requests were spread over. */
  tenants: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  /** Most server connections of the app role seen at once. */
  peakConnections: number;
  cpuMs: CpuPerAnswer;
  /** The first failure, when there was one. */
  firstFailure?: string;
  /** Each tenant's first request (its caches cold), sent before the warm-up, closed loop. */
  firstRequest: { p50Ms: number; p99Ms: number; failed: number };
}

/** The dashboard request of each tenant, answered correctly only with that tenant's own data. */
function targets(url: string, tenants: ScaleTenant[], tokens: string[]): LoadTarget[] {
  const body = JSON.stringify({ query: DASHBOARD_QUERY });
  return tenants.map((t, i) => ({
    url,
    body,
    headers: { authorization: `Bearer ${tokens[i]}` },
    check: (status, text) => status === 200 && !text.includes('"errors"') && text.includes(`"slug":"${t.slug}"`) && text.includes(t.email),
  }));
}

/** `placeOrder` throughput of one path, 1 unit of a product, round-robin over the active tenants. */
export interface TenantsBenchOrders {
  path: PathName;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  cpuMs: CpuPerAnswer;
  firstFailure?: string;
}

/** Each tenant's `placeOrder` of 1 unit of one of its products (in turn), answered with an order id. */
function orderTargets(url: string, tenants: ScaleTenant[], tokens: string[]): LoadTarget[] {
  const query = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';
  return tenants.flatMap((t, i) =>
    Array.from({ length: SCALE_PRODUCTS }, (_, p) => ({
      url,
      body: JSON.stringify({ query, variables: { input: { lines: [{ productId: scaleProductId(t.n, p + 1), quantity: 1 }] } } }),
      headers: { authorization: `Bearer ${tokens[i]}` },
      check: (status: number, text: string) => status === 200 && !text.includes('"errors"') && text.includes('"placeOrder":{"id":'),
    })),
  );
}

/** Server connections of the app role to the benchmark's database now (`pg_stat_activity`). */
async function appConnections(owner: Client): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND datname = current_database()',
    [DEFAULT_APP_ROLE.user],
  );
  return rows[0]!.n;
}

/** CPU seconds used so far by the supergraph process and by PostgreSQL (its postmaster and backends). */
type CpuProbe = () => { supergraph: number; postgres: number };

/** CPU milliseconds per correct answer of each side between two probes. */
function cpuPerAnswer(before: ReturnType<CpuProbe>, after: ReturnType<CpuProbe>, ok: number): CpuPerAnswer {
  return {
    supergraphMs: ((after.supergraph - before.supergraph) * 1000) / ok,
    postgresMs: ((after.postgres - before.postgres) * 1000) / ok,
  };
}

/** Closed loop over `list`, round-robin, while sampling the app role's server connections. */
async function measure(
  owner: Client,
  list: LoadTarget[],
  durationMs: number,
): Promise<{ result: Awaited<ReturnType<typeof closedLoop>>; peak: number }> {
  let turn = 0;
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await appConnections(owner));
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const result = await closedLoop(() => list[turn++ % list.length]!, CONNECTIONS, durationMs);
  sampling = false;
  await sampler;
  return { result, peak };
}

async function main(): Promise<void> {
  const roundsArg = process.argv.indexOf('--rounds');
  const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');
  pinSelf('1'); // PostgreSQL and PgBouncer start on the server's CPU (the supergraph is pinned there too)...
  const dataDir = mkdtempSync(join(tmpdir(), 'supergraph-bench-pg-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench_tenants', ephemeral: true });
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  pinSelf('0'); // ...the load generator runs on the other one
  const owner = new Client({ connectionString: db.url });
  const rows: TenantsBenchRow[] = [];
  const orders: TenantsBenchOrders[] = [];
  try {
    await migrate(db.url);
    await seedDemoData(db.url);
    await owner.connect();
    const seedStart = performance.now();
    await owner.query('BEGIN');
    const all = await seedManyTenants((text, params) => owner.query(text, params), TENANTS);
    await owner.query('COMMIT');
    console.log(`seeded ${TENANTS} tenants in ${f1((performance.now() - seedStart) / 1000)} s`);
    await unboundedPlans(db.url); // the database path is measured, not the budgets
    const active = all.filter((t) => t.n % (TENANTS / ACTIVE) === 0);
    // Orders go to another 1,000 tenants, so that the dashboards measured stay the same (no orders).
    const buyers = all.filter((t) => t.n % (TENANTS / ACTIVE) === TENANTS / ACTIVE / 2);
    const spare = all.slice(0, 2); // tenants 1 and 2: not among the active ones
    const settings = devTokenSettings(loadConfig({}).jwt);
    const sign = (list: ScaleTenant[]) =>
      Promise.all(
        list.map((t) => signDevToken({ tenantId: t.id, userId: t.userId, email: t.email, scope: TENANT_SCOPES.join(' ') }, settings)),
      );
    const [tokens, spareTokens, buyerTokens] = [await sign(active), await sign(spare), await sign(buyers)];
    const paths: Array<{ name: PathName; env: Record<string, string> }> = [
      { name: 'per-tenant pools', env: {} },
      { name: 'per-transaction', env: { DB_TENANT_POOLS: 'false', DB_SHARED_POOL_SIZE: '30' } },
      { name: 'PgBouncer', env: { DB_TENANT_POOLS: 'false', DB_SHARED_POOL_SIZE: '30' } },
    ];
    for (let round = 1; round <= rounds; round++) {
      for (const path of paths) {
        console.log(`round ${round}/${rounds}: ${path.name}...`);
        // Its own PgBouncer, stopped with the path: its idle server connections would count in the other paths.
        const pgbouncer =
          path.name === 'PgBouncer'
            ? await startPgBouncer({
                serverUrl: db.url,
                users: { [DEFAULT_APP_ROLE.user]: DEFAULT_APP_ROLE.password },
                poolSize: PGBOUNCER_POOL,
              })
            : undefined;
        const sg = await startSupergraphProcess({
          databaseUrl: db.url,
          env: { ...UNBOUNDED_ENV, ...path.env, ...(pgbouncer ? { APP_DATABASE_URL: pgbouncer.through(appDatabaseUrl(db.url)) } : {}) },
          ...(PINNED ? { cpus: '1' } : {}),
        }).catch(async (err: unknown) => {
          await pgbouncer?.stop();
          throw err;
        });
        const cpu: CpuProbe = () => ({ supergraph: cpuSeconds(sg.child.pid), postgres: cpuSeconds(postmaster, true) });
        try {
          // The process's own warm-up (JIT, connections, plans) on two tenants outside the measured ones.
          const outside = targets(sg.url, spare, spareTokens);
          await closedLoop(() => outside[Math.floor(Math.random() * outside.length)]!, CONNECTIONS, PROCESS_WARMUP_MS);
          const list = targets(sg.url, active, tokens);
          for (const spread of round % 2 === 1 ? [2, ACTIVE] : [ACTIVE, 2]) {
            const slice = list.slice(0, spread);
            const first = await eachOnce(slice, CONNECTIONS); // each tenant's first request: its caches cold
            await closedLoop(() => slice[Math.floor(Math.random() * slice.length)]!, CONNECTIONS, WARMUP_MS);
            const cpuBefore = cpu();
            const { result, peak } = await measure(owner, slice, MEASURE_MS);
            const cpuMs = cpuPerAnswer(cpuBefore, cpu(), result.ok);
            const row: TenantsBenchRow = {
              path: path.name,
              tenants: spread,
              rps: result.ok / result.seconds,
              p50Ms: percentile(result.latenciesMs, 50),
              p99Ms: percentile(result.latenciesMs, 99),
              ok: result.ok,
              failed: result.failed,
              peakConnections: peak,
              cpuMs,
              firstFailure: result.firstFailure ?? first.firstFailure,
              firstRequest: { p50Ms: percentile(first.latenciesMs, 50), p99Ms: percentile(first.latenciesMs, 99), failed: first.failed },
            };
            rows.push(row);
            console.log(
              `  ${spread} tenants: ${f0(row.rps)} req/s, p50 ${f1(row.p50Ms)} ms, p99 ${f1(row.p99Ms)} ms, ${row.failed} failed, peak ${peak} connections; first requests p50 ${f1(row.firstRequest.p50Ms)} ms, p99 ${f1(row.firstRequest.p99Ms)} ms`,
            );
            if (row.firstFailure) console.log(`    first failure: ${row.firstFailure}`);
          }
          const placing = orderTargets(sg.url, buyers, buyerTokens);
          let turn = (round - 1) * 7; // another product first in each round: stock lasts
          const orderCpu = cpu();
          const placed = await closedLoop(() => placing[turn++ % placing.length]!, CONNECTIONS, ORDERS_MS);
          const o: TenantsBenchOrders = {
            path: path.name,
            ordersPerSecond: placed.ok / placed.seconds,
            p50Ms: percentile(placed.latenciesMs, 50),
            p99Ms: percentile(placed.latenciesMs, 99),
            failed: placed.failed,
            cpuMs: cpuPerAnswer(orderCpu, cpu(), placed.ok),
            firstFailure: placed.firstFailure,
          };
          orders.push(o);
          console.log(
            `  placeOrder over ${ACTIVE} tenants: ${f0(o.ordersPerSecond)} orders/s, p50 ${f1(o.p50Ms)} ms, p99 ${f1(o.p99Ms)} ms, ${o.failed} failed`,
          );
          if (o.firstFailure) console.log(`    first failure: ${o.firstFailure}`);
        } finally {
          await sg.child.stop();
          await pgbouncer?.stop();
          await waitFor(async () => (await appConnections(owner)) === 0, 30_000, 100); // the next path starts from none
        }
      }
    }
  } finally {
    await owner.end().catch(() => undefined);
    await db.stop();
  }
  const report = summarise(rows, orders, rounds);
  console.log(`\n${report}`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'tenants.md'), report);
  writeFileSync(
    join(RESULTS, 'tenants.json'),
    JSON.stringify({ at: new Date().toISOString(), node: process.version, pinned: PINNED, rounds, rows, orders }, null, 2) + '\n',
  );
  if (rows.some((r) => r.failed + r.firstRequest.failed > 0) || orders.some((o) => o.failed > 0)) process.exitCode = 1;
}

/** The table of medians over rounds, each spread of 1,000 tenants set against the 2-tenant figure of its path. */
function summarise(rows: TenantsBenchRow[], orders: TenantsBenchOrders[], rounds: number): string {
  const paths = [...new Set(rows.map((r) => r.path))];
  const lines: string[][] = [];
  for (const path of paths) {
    const of = (tenants: number) => rows.filter((r) => r.path === path && r.tenants === tenants);
    const two = of(2);
    for (const tenants of [2, ACTIVE]) {
      const rs = of(tenants);
      const rps = median(rs.map((r) => r.rps));
      const p50 = median(rs.map((r) => r.p50Ms));
      const p99 = median(rs.map((r) => r.p99Ms));
      lines.push([
        path,
        tenants === 2 ? '2' : `${ACTIVE.toLocaleString('en')} of ${TENANTS.toLocaleString('en')}`,
        f0(rps),
        `${f1(p50)} / ${f1(p99)}`,
        tenants === 2 ? '1.00x / 1.00x' : `${f2(p50 / median(two.map((r) => r.p50Ms)))}x / ${f2(p99 / median(two.map((r) => r.p99Ms)))}x`,
        `${f1(median(rs.map((r) => r.firstRequest.p50Ms)))} / ${f1(median(rs.map((r) => r.firstRequest.p99Ms)))}`,
        String(rs.reduce((s, r) => s + r.failed + r.firstRequest.failed, 0)),
        String(Math.max(...rs.map((r) => r.peakConnections))),
        `${f1(median(rs.map((r) => r.cpuMs.supergraphMs)))} / ${f1(median(rs.map((r) => r.cpuMs.postgresMs)))}`,
      ]);
    }
  }
  const placement = PINNED ? 'server side on CPU 1, load generator on CPU 0' : 'not pinned (one CPU or no taskset)';
  return [
    '# Many-tenants benchmark',
    '',
    `${new Date().toISOString()}, ${process.version}, ${placement}; ${rounds} round(s), medians; closed loop, ${CONNECTIONS} connections, ${MEASURE_MS / 1000} s per row after one request of every tenant of the row and ${WARMUP_MS / 1000} s of warm-up; the dashboard query.`,
    '',
    table(
      [
        'tenancy path',
        'tenants in the traffic',
        'req/s',
        'p50 / p99 ms',
        'p50 / p99 vs 2 tenants',
        "each tenant's first request p50 / p99 ms",
        'wrong/failed',
        'peak server connections',
        'CPU ms per request: supergraph / PostgreSQL',
      ],
      lines,
    ),
    '',
    `\`placeOrder\` (1 unit, round-robin over another ${ACTIVE.toLocaleString('en')} tenants (not those of the dashboards), closed loop, ${CONNECTIONS} connections, ${ORDERS_MS / 1000} s; outbox, relay and notification consumer in the same process, in-process event log):`,
    '',
    table(
      ['tenancy path', 'orders/s', 'p50 / p99 ms', 'wrong/failed', 'CPU ms per order: supergraph / PostgreSQL'],
      [...new Set(orders.map((o) => o.path))].map((path) => {
        const os = orders.filter((o) => o.path === path);
        return [
          path,
          f0(median(os.map((o) => o.ordersPerSecond))),
          `${f1(median(os.map((o) => o.p50Ms)))} / ${f1(median(os.map((o) => o.p99Ms)))}`,
          String(os.reduce((n, o) => n + o.failed, 0)),
          `${f1(median(os.map((o) => o.cpuMs.supergraphMs)))} / ${f1(median(os.map((o) => o.cpuMs.postgresMs)))}`,
        ];
      }),
    ),
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
