/**
 * `npm run bench [-- --quick] [-- --profile]`: the gateway benchmark on the standard federation
 * scenario (bare `@apollo/gateway`, our gateway, Hive Gateway) and the dashboard benchmark on our own
 * supergraph. Prints the tables and writes them to bench/results/latest.md. `--quick` (under two
 * minutes) runs only the closed-loop comparison of our gateway against the bare `@apollo/gateway`.
 * `--profile` also writes `--cpu-prof` profiles of the gateways to bench/results/profiles/ and prints
 * their self-time summary. Exits non-zero when any response was wrong.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_LABELS, runFederationBench, type GatewayKind, type GatewayResult } from './federation/federation.bench';
import { f0, f1, f2, median, table } from './report';
import { summariseProfile } from './profile-summary';
import { runDashboardBench, type DashboardBenchResult } from './supergraph/dashboard.bench';

const RESULTS_DIR = join(__dirname, 'results');

/** `min / median / max` of `xs`, each with `fmt`. */
function spread(xs: number[], fmt: (n: number) => string): string {
  return xs.length ? `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}` : 'n/a';
}

function federationTables(results: GatewayResult[], rate: number | undefined): string {
  const apollo = results.find((r) => r.kind === 'apollo');
  const perRound = (r: GatewayResult) => r.rpsPerCpu.map((v, i) => v / (apollo?.rpsPerCpu[i] ?? NaN));
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
      spread(perRound(r), (n) => `${f2(n)}x`),
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
    rounds: quick ? 2 : 3,
    throughputMs: quick ? 6000 : 10_000,
    connections: 16,
    latencyMs: quick ? 0 : 40_000,
    latencyLoad: 0.5,
    cpuProfDir: profile ? profileDir : undefined,
    log,
  });
  failures += fed.results.reduce((s, r) => s + r.failed, 0);
  const ours = fed.results.find((r) => r.kind === 'ours')!;
  const apollo = fed.results.find((r) => r.kind === 'apollo')!;
  const ratio = median(ours.rpsPerCpu.map((v, i) => v / apollo.rpsPerCpu[i]!));
  sections.push(
    '## Gateways on the federation scenario',
    `Gateway pinned to CPU 1, subgraphs and load generator on CPU 0: ${fed.pinned ? 'yes' : 'no (fewer than 2 CPUs or no taskset)'}. ` +
      `Closed loop, 16 connections, interleaved rounds; every response compared with the expected response.` +
      (hive ? '' : ' Hive Gateway is not installed: skipped.'),
    federationTables(fed.results, fed.rate),
    `**Our gateway: ${f2(ratio)}x the bare @apollo/gateway's requests per CPU-second (same run).**`,
  );
  for (const r of fed.results) if (r.firstFailure) sections.push(`First failure of ${r.kind}: \`${r.firstFailure.slice(0, 300)}\``);

  if (!quick) {
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
