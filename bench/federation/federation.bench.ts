/**
 * The gateway benchmark on the standard federation scenario: the four subgraphs of ./subgraphs.ts in
 * one child process, and each gateway under test in its own child process (pinned to CPU 1 when the
 * machine has two CPUs; subgraphs and the load generator on CPU 0):
 *
 * - `apollo`: bare `@apollo/gateway` + `@apollo/server` standalone, default settings;
 * - `ours`: `startGateway` from gateway/gateway.server.ts, as in production (JWT verified, principal
 *   propagated in signed subgraph credentials);
 * - `hive`: Hive Gateway (`@graphql-hive/gateway` CLI, `supergraph` command, one process).
 *
 * Throughput is closed-loop, reported as requests per gateway CPU-second (from /proc, the gateway's
 * whole process tree), in interleaved rounds so that background load hits every gateway alike.
 * Latency is open-loop at one fixed arrival rate below every gateway's saturation. Every response is
 * compared with the expected response.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SignJWT } from 'jose';
import { closedLoop, openLoop, percentile, type LoadTarget } from '../load';
import { median } from '../report';
import { canPin, cpuProfArgs, cpuSeconds, freePort, peakRssMiB, pin, resetPeakRss, startChild, waitFor, type Child } from '../proc';
import { composeBenchSupergraph } from './compose';
import { FEDERATION_QUERY, expectedResponse } from './data';
import type { BenchSubgraphName } from './subgraphs';

/** A gateway under test. */
export type GatewayKind = 'apollo' | 'ours' | 'hive';

/** Labels of the gateways in reports. */
export const GATEWAY_LABELS: Readonly<Record<GatewayKind, string>> = {
  apollo: 'bare @apollo/gateway (Apollo Server standalone, defaults)',
  ours: 'our gateway (startGateway: JWT + signed credentials)',
  hive: 'Hive Gateway (@graphql-hive/gateway CLI)',
};

/** Options of {@link runFederationBench}. */
export interface FederationBenchOptions {
  gateways: GatewayKind[];
  /** Closed-loop rounds (interleaved across gateways). */
  rounds: number;
  /** Closed-loop duration per gateway per round, ms. */
  throughputMs: number;
  /** Concurrent connections of the closed loop. */
  connections: number;
  /** Open-loop duration per gateway, ms; 0 skips the latency run. */
  latencyMs: number;
  /** Fixed arrival rate as a fraction of the slowest gateway's peak rate. */
  latencyLoad: number;
  /** Start gateways with `--cpu-prof` into this directory. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

/** Per-gateway results. */
export interface GatewayResult {
  kind: GatewayKind;
  /** Closed-loop requests per second of wall time, per round. */
  rps: number[];
  /** Closed-loop requests per gateway CPU-second, per round. */
  rpsPerCpu: number[];
  /** Total correct and failed responses over all runs. */
  ok: number;
  failed: number;
  firstFailure?: string;
  latency?: { rate: number; p50: number; p95: number; p99: number; ok: number; failed: number };
  /** Peak RSS over the measured rounds and the latency run (the peak is reset after the warm-up), MiB. */
  peakRssMiB: number;
}

/** Results of {@link runFederationBench}. */
export interface FederationBenchResult {
  results: GatewayResult[];
  pinned: boolean;
  rate?: number;
  fetchesPerRequest?: number;
}

const NODE = process.execPath;
const ROOT = join(__dirname, '..', '..');
const SECRET = 'bench-only-jwt-secret-0123456789abcdef0123456789';

async function benchToken(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant_id: '00000000-0000-4000-8000-0000000000b1', scope: '' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('00000000-0000-4000-8000-0000000000u1')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

/** Runs the benchmark; stops every process it started. */
export async function runFederationBench(options: FederationBenchOptions): Promise<FederationBenchResult> {
  const pinned = canPin(availableParallelism());
  if (pinned) pin(process.pid, '0');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    JWT_SECRET: SECRET,
    INTERNAL_JWT_SECRET: 'bench-only-internal-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
    // The scenario's subgraphs carry no `@listSize`, so every list counts as 10 and the nested query
    // is estimated at about 23,000 points, above the default ceiling: the cost step still runs.
    GRAPHQL_MAX_COST: '1000000',
  };
  const children: Child[] = [];
  try {
    const { child: sgChild, match } = await startChild(NODE, ['--import', 'tsx', join(__dirname, 'subgraphs-process.ts')], {
      cpus: pinned ? '0' : undefined,
      env,
      ready: /SUBGRAPHS (\{.*\})\n/,
      cwd: ROOT,
    });
    children.push(sgChild);
    const urls = JSON.parse(match[1]!) as Record<BenchSubgraphName, string>;
    const dir = mkdtempSync(join(tmpdir(), 'fed-bench-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    const urlsPath = join(dir, 'urls.json');
    writeFileSync(supergraphPath, composeBenchSupergraph(urls));
    writeFileSync(urlsPath, JSON.stringify(urls));

    const expected = expectedResponse();
    const expectedText = JSON.stringify(expected);
    const check = (status: number, body: string) => {
      if (status !== 200) return false;
      if (body === expectedText) return true;
      try {
        return isDeepStrictEqual(JSON.parse(body), expected);
      } catch {
        return false;
      }
    };
    const token = await benchToken();
    const body = JSON.stringify({ query: FEDERATION_QUERY });
    const targets = new Map<GatewayKind, { child: Child; target: LoadTarget }>();
    for (const kind of options.gateways) {
      const prof = cpuProfArgs(options.cpuProfDir, kind);
      let child: Child;
      let port: number;
      if (kind === 'hive') {
        port = await freePort();
        const bin = join(ROOT, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
        ({ child } = await startChild(
          NODE,
          [
            ...prof,
            bin,
            'supergraph',
            supergraphPath,
            '--port',
            String(port),
            '--host',
            '127.0.0.1',
            '--fork',
            '1',
            '--disable-websockets',
          ],
          { cpus: pinned ? '1' : undefined, env: { ...env, LOG_LEVEL: 'info' }, cwd: dir },
        ));
      } else {
        let m: RegExpMatchArray;
        ({ child, match: m } = await startChild(
          NODE,
          [...prof, '--import', 'tsx', join(__dirname, 'gateway-process.ts'), kind, supergraphPath, urlsPath],
          {
            cpus: pinned ? '1' : undefined,
            env,
            ready: /LISTENING (\d+)/,
            cwd: ROOT,
          },
        ));
        port = Number(m[1]);
      }
      children.push(child);
      const target: LoadTarget = { url: `http://127.0.0.1:${port}/graphql`, body, headers: { authorization: `Bearer ${token}` }, check };
      await waitFor(async () => (await closedLoop(target, 1, 1)).ok > 0, 60_000);
      targets.set(kind, { child, target });
      options.log(`  ${kind}: pid ${child.pid}, port ${port}`);
    }

    const results = new Map<GatewayKind, GatewayResult>(
      options.gateways.map((kind) => [kind, { kind, rps: [], rpsPerCpu: [], ok: 0, failed: 0, peakRssMiB: 0 }]),
    );
    const absorb = (r: GatewayResult, run: { ok: number; failed: number; firstFailure?: string }) => {
      r.ok += run.ok;
      r.failed += run.failed;
      r.firstFailure ??= run.firstFailure;
    };
    for (const [kind, { target }] of targets) {
      absorb(results.get(kind)!, await closedLoop(target, options.connections, Math.min(3000, options.throughputMs)));
    }
    for (const { child } of targets.values()) resetPeakRss(child.pid); // the peak under the scenario, not at start-up or warm-up
    for (let round = 1; round <= options.rounds; round++) {
      const order = round % 2 ? options.gateways : [...options.gateways].reverse();
      for (const kind of order) {
        const { child, target } = targets.get(kind)!;
        const r = results.get(kind)!;
        const cpu0 = cpuSeconds(child.pid);
        const run = await closedLoop(target, options.connections, options.throughputMs);
        const cpu = cpuSeconds(child.pid) - cpu0;
        absorb(r, run);
        r.rps.push(run.ok / run.seconds);
        r.rpsPerCpu.push(run.ok / Math.max(cpu, 0.01));
        options.log(
          `  round ${round} ${kind}: ${(run.ok / run.seconds).toFixed(0)} req/s, ${(run.ok / Math.max(cpu, 0.01)).toFixed(0)} req per CPU-s, ${run.failed} failed`,
        );
      }
    }
    let rate: number | undefined;
    if (options.latencyMs > 0) {
      const slowest = Math.min(...[...results.values()].map((r) => median(r.rps)));
      rate = Math.max(5, Math.floor(slowest * options.latencyLoad));
      for (const [kind, { target }] of targets) {
        const run = await openLoop(target, rate, options.latencyMs);
        const r = results.get(kind)!;
        absorb(r, run);
        r.latency = {
          rate,
          p50: percentile(run.latenciesMs, 50),
          p95: percentile(run.latenciesMs, 95),
          p99: percentile(run.latenciesMs, 99),
          ok: run.ok,
          failed: run.failed,
        };
        options.log(
          `  ${kind} at ${rate} req/s: p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, ${run.failed} failed`,
        );
      }
    }
    for (const [kind, { child }] of targets) results.get(kind)!.peakRssMiB = peakRssMiB(child.pid);
    return { results: [...results.values()], pinned, rate };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
