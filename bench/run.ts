/**
 * `npm run bench [-- --quick] [-- --profile]`, everything side by side in one run, each table with
 * its spread (min / median / max over the rounds):
 *
 * 1. the gateway benchmark on the standard federation scenario (bare `@apollo/gateway`, our gateway,
 *    Hive Gateway; bench/federation/), with peak RSS;
 * 2. live updates: our supergraph against the WebSocket server's ceiling, latency at a fixed rate
 *    with and without 10,000 idle sockets, server memory per idle socket and RSS recovery after a
 *    2,000-request burst (bench/subscriptions/);
 * 3. the dashboard query on our supergraph (SQL per request, gateway latency, rate sweep) and the
 *    federation tax: the deployed supergraph against one monolithic server (bench/supergraph/,
 *    bench/monolith/).
 *
 * Prints the tables and writes them to bench/results/latest.md. `--quick` (under two minutes; writes
 * latest-quick.md) runs our gateway against the bare `@apollo/gateway` and one burst round of the
 * subscriptions benchmark. `--profile` also writes `--cpu-prof` profiles of the federation gateways
 * and of the server processes of the subscriptions and federation-tax benchmarks to
 * bench/results/profiles/ and prints their self-time summary. Exits non-zero when any response of
 * our gateway, supergraph or monolith baseline was wrong or any update was not delivered; wrong or
 * failed responses of the third-party gateways (bare `@apollo/gateway`, Hive Gateway) are shown in
 * their rows and in a warning, since they say something about that gateway, not about ours (Hive
 * Gateway reset connections under the fixed-rate phase in two of the full runs of 2026-12-02).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_LABELS, runFederationBench, type GatewayKind, type GatewayResult } from './federation/federation.bench';
import { f0, f1, f2, median, table } from './report';
import { summariseProfile } from './profile-summary';
import { canPin, pin } from './proc';
import { runDashboardBench, type DashboardBenchResult } from './supergraph/dashboard.bench';
import {
  FEDERATION_TAX_DEFAULTS,
  runFederationTaxBench,
  type DeploymentResult,
  type FederationTaxResult,
} from './supergraph/federation-tax.bench';
import {
  runSubscriptionsBench,
  subscriptionsBenchOptions,
  type BurstResult,
  type MemoryReleases,
  type RateResult,
  type SubscriptionsBenchResult,
} from './subscriptions/subscriptions.bench';

const RESULTS_DIR = join(__dirname, 'results');

/** `min / median / max` of `xs`, each with `fmt`. */
function spread(xs: number[], fmt: (n: number) => string): string {
  return xs.length ? `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}` : 'n/a';
}

/** `xs[i] / base[i]` for each round `i` (NaN where `base` has no such round). */
function perRoundRatios(xs: readonly number[], base: readonly number[] | undefined): number[] {
  return xs.map((v, i) => v / (base?.[i] ?? NaN));
}

/** Per-round ratios printed as `min / median / max` with an `x`. */
function ratioSpread(xs: readonly number[], base: readonly number[] | undefined): string {
  return spread(perRoundRatios(xs, base), (n) => `${f2(n)}x`);
}

function federationTables(results: GatewayResult[], rate: number | undefined): string {
  const apollo = results.find((r) => r.kind === 'apollo');
  const throughput = table(
    [
      'gateway',
      'req per gateway CPU-s, min / median / max',
      'vs bare @apollo/gateway, per-round ratios min / median / max',
      'req/s wall, min / median / max',
      'rounds',
      'correct',
      'wrong/failed',
      'peak RSS MiB',
    ],
    results.map((r) => [
      GATEWAY_LABELS[r.kind],
      spread(r.rpsPerCpu, f0),
      ratioSpread(r.rpsPerCpu, apollo?.rpsPerCpu),
      spread(r.rps, f0),
      String(r.rpsPerCpu.length),
      String(r.ok),
      String(r.failed),
      f0(r.peakRssMiB),
    ]),
  );
  if (rate === undefined) return throughput;
  const latency = table(
    ['gateway', 'rate req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'correct', 'wrong/failed'],
    results
      .filter((r) => r.latency)
      .map((r) => [
        GATEWAY_LABELS[r.kind],
        String(rate),
        f1(r.latency!.p50),
        f1(r.latency!.p95),
        f1(r.latency!.p99),
        String(r.latency!.ok),
        String(r.latency!.failed),
      ]),
  );
  return `${throughput}\n\nOpen-loop latency at a fixed arrival rate (half the slowest gateway's peak), from scheduled send time:\n\n${latency}`;
}

function dashboardTables(d: DashboardBenchResult): string {
  const facts = table(
    ['measure', 'value'],
    [
      ['orders in tenant acme (listed with first: 100)', String(d.ordersInTenant)],
      ['SQL statements per dashboard request, orders(first: 20)', String(d.sqlPerRequest.first20)],
      ['SQL statements per dashboard request, orders(first: 100)', String(d.sqlPerRequest.first100)],
      [
        `direct subgraph calls (${d.direct.fetches} calls in ${d.direct.waves} waves) p50 / p95 ms`,
        `${f1(d.direct.p50)} / ${f1(d.direct.p95)}`,
      ],
      ['through the gateway p50 / p95 ms', `${f1(d.gateway.p50)} / ${f1(d.gateway.p95)}`],
      ['gateway added latency p50 ms (ratio)', `${f1(d.gateway.p50 - d.direct.p50)} (${f2(d.gateway.p50 / d.direct.p50)}x)`],
      [
        'highest arrival rate held with p99 < 100 ms, no failure',
        d.highestHeld === undefined ? 'none of the tried rates' : `${d.highestHeld} req/s`,
      ],
    ],
  );
  const steps = table(
    ['rate req/s', 'p50 ms', 'p99 ms', 'correct', 'wrong/failed', 'held'],
    d.steps.map((s) => [String(s.rate), f1(s.p50), f1(s.p99), String(s.ok), String(s.failed), s.held ? 'yes' : 'no']),
  );
  return `${facts}\n\nRate sweep (open loop, dashboard query, 20 orders + 10 notifications per response):\n\n${steps}`;
}

function subscriptionTables(s: SubscriptionsBenchResult, fed: GatewayResult[]): string {
  const burstRow = (label: string, b: BurstResult, ceiling = s.ceiling) => [
    label,
    spread(b.perSecond, f0),
    ratioSpread(b.perSecond, ceiling.perSecond),
    spread(
      b.serverCpuMsPerDelivery.map((ms) => ms * 1000),
      f1,
    ),
    b.warmup ? `${f0(b.warmup.perSecond)}/s, ${f1(b.warmup.serverCpuMsPerDelivery * 1000)} µs` : 'n/a',
    `${b.delivered}/${b.expected}`,
  ];
  const bursts = table(
    [
      'server',
      'deliveries/s, min / median / max',
      'vs WebSocket ceiling, per round',
      'server CPU µs per delivery',
      'warm-up round (not counted)',
      'delivered/expected',
    ],
    [
      burstRow('WebSocket ceiling (ws, graphql-ws protocol, no execution)', s.ceiling),
      burstRow('our supergraph, shared executions', s.shared),
      ...(s.sharedWithIdle && s.ceilingWithIdle
        ? [
            burstRow(
              `our supergraph, shared executions, ${s.idleSockets} idle sockets open (another process; vs the ceiling re-measured in the same rounds)`,
              s.sharedWithIdle,
              s.ceilingWithIdle,
            ),
            burstRow('WebSocket ceiling, re-measured in those rounds', s.ceilingWithIdle, s.ceilingWithIdle),
          ]
        : []),
      ...(s.unshared ? [burstRow('our supergraph, one execution per subscription', s.unshared)] : []),
    ],
  );
  const parts = [
    `${s.subscribers} graphql-ws clients (half on each of two tenants) in the benchmark process; server pinned to CPU 1, clients and databases on CPU 0: ${s.pinned ? 'yes' : 'no'}. ` +
      'Burst: after a warm-up round (reported apart; its deliveries count in delivered/expected), orders placed 4 at a time through the gateway (mutation, outbox, relay, Redis Stream, execution, sockets); the ceiling server is pushed the same number of events with the payload the gateway delivered.',
    bursts,
  ];
  if (s.rate) {
    const rateRow = (label: string, r: RateResult) => [
      label,
      String(s.rate!.perSecond),
      spread(r.p50, f0),
      spread(r.p99, f0),
      r.majorCollections.join(' / '),
      `${f0(r.warmup.p99)} (${r.warmup.majorCollections})`,
      `${r.delivered}/${r.expected}`,
    ];
    parts.push(
      "Event-to-client latency at a fixed rate (from sending `placeOrder` to each client receiving the update), min / median / max over the rounds after a warm-up round; the supergraph's major garbage collections per round; the warm-up round apart (the phase before leaves garbage whose major collection may fall in it):",
      table(
        ['sockets', 'orders/s', 'p50 ms', 'p99 ms', 'major GCs per round', 'warm-up round p99 ms (major GCs)', 'delivered/expected'],
        [
          rateRow(`${s.subscribers} active`, s.rate.active),
          ...(s.rate.withIdle ? [rateRow(`${s.subscribers} active + ${s.idleSockets} idle (another process)`, s.rate.withIdle)] : []),
        ],
      ),
    );
  }
  const memory: string[][] = [];
  if (s.idleSocketKiB !== undefined)
    memory.push([
      'supergraph RSS per idle subscription socket (server side only; idle memory releases during the measure)',
      `${f1(s.idleSocketKiB)} KiB (${s.idleSocketReleases ? releases(s.idleSocketReleases) : 'n/a'})`,
    ]);
  const ours = fed.find((r) => r.kind === 'ours');
  const apollo = fed.find((r) => r.kind === 'apollo');
  if (ours && apollo) {
    memory.push([
      'gateway peak RSS on the federation scenario, ours vs bare @apollo/gateway',
      `${f0(ours.peakRssMiB)} vs ${f0(apollo.peakRssMiB)} MiB (${f2(ours.peakRssMiB / apollo.peakRssMiB)}x)`,
    ]);
  }
  if (s.recovery) {
    const r = s.recovery;
    memory.push([
      `supergraph RSS before / peak / ${r.watchedMs / 1000} s after ${r.requests} dashboard requests (50 at once)`,
      `${f0(r.beforeMiB)} / ${f0(r.peakMiB)} / ${f0(r.afterMiB)} MiB (${r.failed} failed)`,
    ]);
    memory.push([
      'back within 20% of the pre-burst RSS',
      r.backWithin20PctAfterMs === undefined ? `not within ${r.watchedMs / 1000} s` : `after ${f1(r.backWithin20PctAfterMs / 1000)} s`,
    ]);
    memory.push(['idle memory releases from the burst to the end of the watch (total pause)', releases(r.releases)]);
  }
  if (s.rateMemoryReleases)
    memory.push(['idle memory releases during the fixed-rate rounds (total pause)', releases(s.rateMemoryReleases)]);
  if (memory.length) parts.push('Memory:', table(['measure', 'value'], memory));
  return parts.join('\n\n');
}

/** `2 (310 ms)`: count and total pause of idle memory releases. */
function releases(r: MemoryReleases): string {
  return `${r.count} (${f0(r.pauseMs)} ms)`;
}

function federationTaxTables(t: FederationTaxResult): string {
  const row = (label: string, d: DeploymentResult) => [
    label,
    String(d.processes),
    spread(d.rpsPerCpu, f0),
    spread(d.rpsPerCpuWithPostgres, f0),
    spread(d.rps, f0),
    `${f1(d.p50)} / ${f1(d.p99)}`,
    `${d.ok + d.rateOk}/${d.failed + d.rateFailed}`,
    f0(d.rssMiB),
  ];
  const main = table(
    [
      'deployment',
      'processes',
      'req per server CPU-s, min / median / max',
      'req per CPU-s with PostgreSQL',
      'req/s wall',
      `p50 / p99 ms at ${t.rate} req/s`,
      'correct/wrong',
      'RSS MiB (all processes)',
    ],
    [
      row('monolith (one Apollo Server, same resolvers and repositories)', t.monolith),
      row('our supergraph (gateway + 4 subgraph processes)', t.supergraph),
    ],
  );
  return [
    `Server processes pinned to CPU 1, PostgreSQL, Redis and the load generator to CPU 0: ${t.pinned ? 'yes' : 'no'}. Closed loop, interleaved rounds; every response compared with the monolith's.`,
    main,
    `**Supergraph / monolith, requests per server CPU-second: ${ratioSpread(t.supergraph.rpsPerCpu, t.monolith.rpsPerCpu)} ` +
      `(with PostgreSQL: ${ratioSpread(t.supergraph.rpsPerCpuWithPostgres, t.monolith.rpsPerCpuWithPostgres)}).** ` +
      `SQL statements per request in the monolith: ${t.monolithSql.first20} with 20 orders, ${t.monolithSql.first100} with 100.`,
  ].join('\n\n');
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const profile = args.has('--profile');
  const log = (line: string) => console.log(line);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const profileDir = join(RESULTS_DIR, 'profiles');
  if (profile) mkdirSync(profileDir, { recursive: true });
  const started = Date.now();
  const sections: string[] = [`# Benchmark results (${quick ? 'quick' : 'full'} run, ${new Date().toISOString()})`];
  let failures = 0;

  let hive = true;
  try {
    require.resolve('@graphql-hive/gateway/package.json');
  } catch {
    hive = false;
  }
  const gateways: GatewayKind[] = quick || !hive ? ['apollo', 'ours'] : ['apollo', 'ours', 'hive'];
  log(`Federation scenario (accounts, inventory, products, reviews): ${gateways.join(', ')}`);
  const fed = await runFederationBench({
    gateways,
    rounds: quick ? 2 : 5, // five in the full run: per-round ratios on this 2-core machine spread by a third or more
    throughputMs: quick ? 6000 : 10_000,
    connections: 16,
    latencyMs: quick ? 0 : 40_000,
    latencyLoad: 0.5,
    cpuProfDir: profile ? profileDir : undefined,
    log,
  });
  const ours = fed.results.find((r) => r.kind === 'ours')!;
  failures += ours.failed;
  const baselineFailures = fed.results.filter((r) => r !== ours && r.failed > 0);
  const apollo = fed.results.find((r) => r.kind === 'apollo')!;
  const ratio = median(perRoundRatios(ours.rpsPerCpu, apollo.rpsPerCpu));
  sections.push(
    '## Gateways on the federation scenario',
    `Gateway pinned to CPU 1, subgraphs and load generator on CPU 0: ${fed.pinned ? 'yes' : 'no (fewer than 2 CPUs or no taskset)'}. ` +
      `Closed loop, 16 connections, interleaved rounds; every response compared with the expected response.` +
      (hive ? '' : ' Hive Gateway is not installed: skipped.'),
    federationTables(fed.results, fed.rate),
    `**Our gateway: ${f2(ratio)}x the bare @apollo/gateway's requests per CPU-second (same run).**`,
  );
  for (const r of fed.results) if (r.firstFailure) sections.push(`First failure of ${r.kind}: \`${r.firstFailure.slice(0, 300)}\``);

  log('Subscriptions: our supergraph against the WebSocket ceiling');
  const subs = await runSubscriptionsBench({ ...subscriptionsBenchOptions(quick, log), cpuProfDir: profile ? profileDir : undefined });
  for (const b of [subs.ceiling, subs.shared, subs.sharedWithIdle, subs.ceilingWithIdle, subs.unshared])
    if (b) failures += b.expected - b.delivered;
  for (const r of [subs.rate?.active, subs.rate?.withIdle]) if (r) failures += r.expected - r.delivered;
  sections.push('## Live updates (subscriptions)', subscriptionTables(subs, fed.results));

  if (!quick) {
    // The dashboard benchmark runs the supergraph in this process, on every CPU (as `npm start` does).
    if (canPin(cpus().length)) pin(process.pid, `0-${cpus().length - 1}`);
    log('Dashboard query on our supergraph (embedded PostgreSQL)');
    const dash = await runDashboardBench({
      rates: [20, 30, 40, 50, 60, 80, 100, 130, 160],
      rateMs: 8000,
      latencySamples: 100,
      extraOrders: 90,
      log,
    });
    failures += dash.steps.reduce((s, x) => s + x.failed, 0);
    sections.push('## Dashboard query on our supergraph', dashboardTables(dash));
    log('Federation tax: the dashboard query on the deployed supergraph against one monolithic server');
    const tax = await runFederationTaxBench({ ...FEDERATION_TAX_DEFAULTS, cpuProfDir: profile ? profileDir : undefined, log });
    failures += tax.monolith.failed + tax.monolith.rateFailed + tax.supergraph.failed + tax.supergraph.rateFailed;
    sections.push('## Federation tax on the dashboard query', federationTaxTables(tax));
    if (dash.sqlPerRequest.first20 !== dash.sqlPerRequest.first100) {
      failures++;
      sections.push('**SQL statement count differs between 20 and 100 orders.**');
    }
  }
  if (profile && existsSync(profileDir)) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      sections.push(`## Profile ${file}`, '```text', ...summariseProfile(join(profileDir, file), 20), '```');
    }
  }
  sections.push(`Run took ${((Date.now() - started) / 1000).toFixed(0)} s. Command: \`npm run bench${quick ? ' -- --quick' : ''}\`.`);
  const markdown = `${sections.join('\n\n')}\n`;
  writeFileSync(join(RESULTS_DIR, quick ? 'latest-quick.md' : 'latest.md'), markdown);
  console.log(`\n${markdown}`);
  console.log(`Our gateway / bare @apollo/gateway, requests per CPU-second, same run: ${f2(ratio)}x`);
  for (const r of baselineFailures) {
    console.warn(`warning: ${GATEWAY_LABELS[r.kind]} (a baseline) had ${r.failed} wrong or failed responses; its figures are suspect`);
  }
  if (failures > 0) {
    console.error(`${failures} wrong or failed responses`);
    process.exitCode = 1;
  }
}

main()
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
