/**
 * Subscriptions benchmark (part of `npm run bench`; alone: `npx tsx
 * bench/subscriptions/subscriptions.bench.ts [--quick]`). Starts an embedded PostgreSQL and a
 * redis-server beside this process, then the supergraph (`npm start`'s process: gateway, subgraphs and
 * outbox relay; with `NODE_ENV=production` and a `JWT_SECRET` of its own, as deployed) as a child pinned to CPU 1, with this process (the clients) and the databases on CPU
 * 0 where the machine allows. `subscribers` graphql-ws clients, split over tenants acme and globex,
 * each subscribe `orderUpdated` with cross-subgraph fields. Measured, each over `rounds` rounds:
 *
 * - **Burst**: after a warm-up round (reported apart), `burstEvents` orders per tenant placed
 *   through the gateway, 4 at a time; deliveries
 *   per second (all messages received / time from the first `placeOrder` to the last delivery) and
 *   the supergraph's CPU-seconds per delivery.
 * - **WebSocket ceiling**: the same clients connected to bench/subscriptions/ws-ceiling-server.ts
 *   (`ws` speaking graphql-ws, no execution), pinned to the same CPU, pushed the same number of events
 *   with the payload the gateway delivered: what this machine's sockets allow.
 * - **Fixed rate**: one warm-up round, reported apart (the phase before leaves garbage whose major
 *   collection may fall in it), then `rounds` rounds of `rateEvents` orders per tenant at `rate`
 *   per second, each with the supergraph's major collections counted; p50 / p99 from sending
 *   `placeOrder` to each client receiving the update (mutation, outbox, relay, Redis Stream, stream
 *   hub, execution, socket), then the same with `idleSockets` more sockets
 *   (bench/subscriptions/idle-sockets-client.ts, another process), each subscribed on tenant
 *   `platform`, which gets no event; with those sockets still open, the bursts again, each followed by a
 *   ceiling round (the machine's speed drifts between phases).
 * - **Server memory per idle socket**: the supergraph process's RSS growth over those idle sockets,
 *   divided by their number (clients in another process, so only the server side is counted).
 * - On a second, fresh supergraph process with `SUBSCRIPTION_SHARED_EXECUTIONS=false`:
 *   - **Recovery after a burst**: its RSS before `memoryBurst` dashboard requests (50 in flight,
 *     bench/flood-client.ts; after 200 warm-up requests), at its peak, and each second for
 *     `recoveryMs`; when it came back within 20% of the pre-burst value.
 *   - With `unsharedEvents`, one burst of that many orders per tenant (one execution per
 *     subscription and event).
 *
 * A full run (idle sockets and the unshared burst measured) writes bench/results/subscriptions.json
 * for `npm run capacity`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client, type FormattedExecutionResult as ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as PgClient } from 'pg';
import { mintDevToken } from '../../lib/auth/dev-token';
import { startRedisServer } from '../../test/support/redis-server';
import { startBenchDatabase } from '../bench-database';
import { percentile, postGraphQL } from '../load';
import { cpuSeconds, freePort, pinLoadGeneratorToCpu0, rssMiB, startChild, waitFor, type Child } from '../proc';
import { median, runAsScript } from '../report';
import { startSupergraphProcess, UNBOUNDED_ENV, type SupergraphProcess } from '../supergraph-process';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const TENANTS = ['acme', 'globex'] as const;
type Tenant = (typeof TENANTS)[number];
const QUERY =
  'subscription { orderUpdated { id number status total { amount currency } placedBy { name } lines { quantity product { name } } } }';
const IDLE_QUERY = 'subscription { orderUpdated { id status } }';
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';
/** Socket and subscription caps far above the benchmark's (the isolation benchmark measures them). */
const SOCKET_CAPS_ENV = {
  WS_MAX_SOCKETS_PER_TENANT: '100000',
  WS_MAX_SOCKETS_PER_USER: '100000',
  MAX_SUBSCRIPTIONS_PER_TENANT: '100000',
  MAX_SUBSCRIPTIONS_PER_USER: '100000',
};

/** Options of {@link runSubscriptionsBench}. */
export interface SubscriptionsBenchOptions {
  /** Active graphql-ws clients (even), half on each tenant. */
  subscribers: number;
  /** Idle sockets opened for the second fixed-rate phase and the memory per socket; 0 skips both. */
  idleSockets: number;
  /** Orders per tenant in each burst round. */
  burstEvents: number;
  rounds: number;
  /** Orders per second in the fixed-rate phase, and orders per tenant in each of its rounds; 0 skips it. */
  rate: number;
  rateEvents: number;
  /** Orders per tenant of one burst with one execution per subscription and event; 0 skips it. */
  unsharedEvents: number;
  /** Dashboard requests of the recovery measure (0 skips it) and how long to watch RSS after it, ms. */
  memoryBurst: number;
  recoveryMs: number;
  /** Write `--cpu-prof` profiles of the supergraph processes (subscriptions-shared, -unshared) into this directory. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

/** The options `npm run bench` runs with: 1,000 subscribers; the full run adds 3 rounds, the fixed rate, 10,000 idle sockets, the unshared burst and the recovery measure. */
export function subscriptionsBenchOptions(quick: boolean, log: (line: string) => void): SubscriptionsBenchOptions {
  return {
    subscribers: 1000,
    idleSockets: quick ? 0 : 10_000,
    burstEvents: 20,
    rounds: quick ? 1 : 3,
    rate: quick ? 0 : 10,
    rateEvents: 20,
    unsharedEvents: quick ? 0 : 4,
    memoryBurst: quick ? 0 : 2000,
    recoveryMs: 30_000,
    log,
  };
}

/** Deliveries of one kind of server over the burst rounds. */
export interface BurstResult {
  /** Deliveries per second (wall), one per round. */
  perSecond: number[];
  /** Server CPU ms per delivery, one per round. */
  serverCpuMsPerDelivery: number[];
  delivered: number;
  expected: number;
  /** The warm-up round before them (the first burst on a fresh process or socket set), not in the arrays above. */
  warmup?: { perSecond: number; serverCpuMsPerDelivery: number };
}

/** Event-to-client latency at a fixed rate, one value per measured round. */
export interface RateResult {
  p50: number[];
  p99: number[];
  /** Major garbage collections of the supergraph during each measured round (its `/metrics`). */
  majorCollections: number[];
  /** The warm-up round before them, not in the arrays above. */
  warmup: { p50: number; p99: number; majorCollections: number };
  delivered: number;
  expected: number;
}

/** Results of {@link runSubscriptionsBench}. */
export interface SubscriptionsBenchResult {
  pinned: boolean;
  subscribers: number;
  idleSockets: number;
  ceiling: BurstResult;
  shared: BurstResult;
  /** The same bursts with `idleSockets` more sockets open (each subscribed on a tenant that gets no event). */
  sharedWithIdle?: BurstResult;
  /** The ceiling again, one burst interleaved with each of those (this machine's speed drifts between phases). */
  ceilingWithIdle?: BurstResult;
  unshared?: BurstResult;
  rate?: { perSecond: number; active: RateResult; withIdle?: RateResult };
  /** Idle memory releases of the supergraph (lib/runtime/idle-memory-release.ts) while the fixed-rate rounds ran, and their pause. */
  rateMemoryReleases?: MemoryReleases;
  /** Supergraph RSS growth per idle socket, KiB. */
  idleSocketKiB?: number;
  /** Idle memory releases while that growth was measured (one would lower the figure). */
  idleSocketReleases?: MemoryReleases;
  recovery?: {
    requests: number;
    beforeMiB: number;
    peakMiB: number;
    afterMiB: number;
    watchedMs: number;
    backWithin20PctAfterMs?: number;
    failed: number;
    /** Idle memory releases from the start of the burst to the end of the watch. */
    releases: MemoryReleases;
  };
}

/** Count and total event-loop pause of a process's idle memory releases. */
export interface MemoryReleases {
  count: number;
  pauseMs: number;
}

/** A reader of the supergraph's `/metrics` now: the value of a sample by its name and labels (0 when absent). */
async function metricsNow(sg: SupergraphProcess): Promise<(sample: string) => number> {
  const text = await (await fetch(sg.url.replace(/\/graphql$/, '/metrics'))).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf(' ');
    if (!line.startsWith('#') && at > 0) values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return (sample) => values.get(sample) ?? 0;
}

/** The supergraph's idle memory releases so far, from its `/metrics`. */
async function memoryReleases(sg: SupergraphProcess): Promise<MemoryReleases> {
  const value = await metricsNow(sg);
  return { count: value('supergraph_memory_releases_total'), pauseMs: value('supergraph_memory_release_pause_seconds_total') * 1000 };
}

/** The supergraph's major garbage collections so far (prom-client's `nodejs_gc_duration_seconds`). */
async function majorCollections(sg: SupergraphProcess): Promise<number> {
  return (await metricsNow(sg))('nodejs_gc_duration_seconds_count{kind="major"}');
}

/** What happened between two {@link memoryReleases} readings. */
function releasesBetween(before: MemoryReleases, after: MemoryReleases): MemoryReleases {
  return { count: after.count - before.count, pauseMs: after.pauseMs - before.pauseMs };
}

/** graphql-ws clients that count deliveries and record, per order id, the time from sending to receiving. */
class SubscriberPool {
  deliveries = 0;
  /** Subscriptions that ended with an error, and the first error. */
  errors = 0;
  firstError?: string;
  readonly latencies: number[] = [];
  /** The first `next` payload received (the ceiling server replays it). */
  sample?: ExecutionResult<unknown, unknown>;
  private readonly clients: Client[] = [];
  private readonly sentAt = new Map<string, number>();
  private readonly early = new Map<string, number[]>();
  private readonly perId = new Map<string, number>();

  constructor(url: string, count: number, params: (tenant: Tenant) => Record<string, unknown>) {
    for (let i = 0; i < count; i++) {
      const tenant = TENANTS[i % 2]!;
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: params(tenant),
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
      });
      this.clients.push(client);
      client.subscribe<{ orderUpdated: { id: string } }>(
        { query: QUERY },
        {
          next: (m) => this.received(m),
          error: (e) => {
            this.errors++;
            this.firstError ??= JSON.stringify(e instanceof Error ? e.message : e).slice(0, 300);
          },
          complete: () => undefined,
        },
      );
    }
  }

  private received(m: ExecutionResult<{ orderUpdated: { id: string } }, unknown>): void {
    const now = performance.now();
    this.deliveries++;
    this.sample ??= m;
    const id = m.data?.orderUpdated.id;
    if (!id) return;
    this.perId.set(id, (this.perId.get(id) ?? 0) + 1);
    const sent = this.sentAt.get(id);
    if (sent !== undefined) this.latencies.push(now - sent);
    else if (this.early.has(id)) this.early.get(id)!.push(now);
    else this.early.set(id, [now]);
  }

  /** Records when the event of order `id` was sent (deliveries that arrived before are counted too). */
  sent(id: string, at: number): void {
    this.sentAt.set(id, at);
    for (const t of this.early.get(id) ?? []) this.latencies.push(t - at);
    this.early.delete(id);
  }

  deliveredTo(id: string): number {
    return this.perId.get(id) ?? 0;
  }

  reset(): void {
    this.deliveries = 0;
    this.latencies.length = 0;
    this.sentAt.clear();
    this.early.clear();
  }

  async dispose(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.dispose()));
  }
}

/** Waits until `done()` or `timeoutMs`, checking every 20 ms; false on timeout. */
function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  return waitFor(async () => done(), timeoutMs, 20).then(
    () => true,
    () => false,
  );
}

interface Stack {
  /** `JWT_SECRET` of the supergraph process (production mode refuses the development secret). */
  jwtSecret: string;
  databaseUrl: string;
  redisUrl: string;
  tokens: Record<Tenant, { reader: string; writer: string }>;
  products: Record<Tenant, string[]>;
  pinned: boolean;
}

async function startSupergraph(stack: Stack, shared: boolean, cpuProfDir?: string): Promise<SupergraphProcess> {
  return startSupergraphProcess({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    ...(stack.pinned ? { cpus: '1' } : {}),
    ...(cpuProfDir ? { cpuProfDir, cpuProfName: `subscriptions-${shared ? 'shared' : 'unshared'}` } : {}),
    // As deployed (the Dockerfile sets NODE_ENV=production), like the federation benchmarks' servers.
    env: {
      ...UNBOUNDED_ENV,
      ...SOCKET_CAPS_ENV,
      NODE_ENV: 'production',
      JWT_SECRET: stack.jwtSecret,
      SUBSCRIPTION_SHARED_EXECUTIONS: String(shared),
    },
  });
}

/** Places one order for `tenant` through the gateway; resolves with its id and when it was sent. */
async function placeOrder(stack: Stack, sg: SupergraphProcess, tenant: Tenant, n: number): Promise<{ id: string; started: number }> {
  const started = performance.now();
  const data = await postGraphQL<{ placeOrder: { id: string } }>(sg.url, stack.tokens[tenant].writer, PLACE, {
    input: { lines: [{ productId: stack.products[tenant][n % 10], quantity: 1 }] },
  });
  return { id: data.placeOrder.id, started };
}

/** Opens `count` subscribers on the supergraph and waits until a probe order of each tenant reaches all of them. */
async function subscribeAll(stack: Stack, sg: SupergraphProcess, count: number): Promise<SubscriberPool> {
  const pool = new SubscriberPool(sg.wsUrl, count, (t) => ({ authorization: `Bearer ${stack.tokens[t].reader}` }));
  const end = Date.now() + 120_000;
  for (let probe = 0; Date.now() < end; probe++) {
    const ids = await Promise.all(TENANTS.map((t) => placeOrder(stack, sg, t, probe).then((o) => o.id)));
    // Up to 30 s per probe: without shared executions, each probe runs one execution per subscriber.
    if (await until(() => ids.every((id) => pool.deliveredTo(id) >= count / 2), 30_000)) return pool;
    if (pool.errors) throw new Error(`${pool.errors} subscriptions failed, first: ${pool.firstError}`);
  }
  throw new Error(`not all ${count} subscribers attached within 120 s`);
}

async function burstOurs(
  stack: Stack,
  sg: SupergraphProcess,
  pool: SubscriberPool,
  events: number,
  subscribers: number,
): Promise<BurstResult> {
  pool.reset();
  const cpu0 = cpuSeconds(sg.child.pid);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < events * 2) {
        const i = next++;
        const o = await placeOrder(stack, sg, TENANTS[i % 2]!, i);
        pool.sent(o.id, o.started);
      }
    }),
  );
  return burstResult(pool, events * subscribers, t0, sg.child.pid, cpu0);
}

async function burstCeiling(
  server: { url: string; child: Child },
  pool: SubscriberPool,
  payload: ExecutionResult<unknown, unknown>,
  events: number,
  round: number,
  subscribers: number,
): Promise<BurstResult> {
  pool.reset();
  const list = Array.from({ length: events * 2 }, (_, i) => {
    const data = structuredClone(payload.data) as { orderUpdated: { id: string } };
    data.orderUpdated.id = `ceiling-${round}-${i}`;
    return { tenant: TENANTS[i % 2]!, payload: { ...payload, data } };
  });
  const cpu0 = cpuSeconds(server.child.pid);
  const t0 = performance.now();
  for (const e of list) pool.sent(e.payload.data.orderUpdated.id, t0);
  const res = await fetch(`${server.url}/publish`, { method: 'POST', body: JSON.stringify({ events: list }) });
  if (res.status !== 202) throw new Error(`ceiling server answered ${res.status}`);
  return burstResult(pool, events * subscribers, t0, server.child.pid, cpu0);
}

/** Waits (up to 90 s) until `expected` deliveries arrived; the burst's rate since `t0` and `pid`'s CPU per delivery since `cpu0`. */
async function burstResult(pool: SubscriberPool, expected: number, t0: number, pid: number, cpu0: number): Promise<BurstResult> {
  await until(() => pool.deliveries >= expected, 90_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  return {
    perSecond: [pool.deliveries / seconds],
    serverCpuMsPerDelivery: [(cpu * 1000) / pool.deliveries],
    delivered: pool.deliveries,
    expected,
  };
}

function merge(into: BurstResult | undefined, r: BurstResult): BurstResult {
  if (!into) return r;
  return {
    ...(into.warmup ? { warmup: into.warmup } : {}),
    perSecond: [...into.perSecond, ...r.perSecond],
    serverCpuMsPerDelivery: [...into.serverCpuMsPerDelivery, ...r.serverCpuMsPerDelivery],
    delivered: into.delivered + r.delivered,
    expected: into.expected + r.expected,
  };
}

/**
 * A warm-up round, then `rounds` rounds of `events` orders per tenant at `rate` per second (open
 * loop), with latency percentiles and the supergraph's major collections per round.
 */
async function fixedRate(stack: Stack, sg: SupergraphProcess, pool: SubscriberPool, o: SubscriptionsBenchOptions): Promise<RateResult> {
  const out: RateResult = {
    p50: [],
    p99: [],
    majorCollections: [],
    warmup: { p50: 0, p99: 0, majorCollections: 0 },
    delivered: 0,
    expected: 0,
  };
  for (let round = -1; round < o.rounds; round++) {
    const majorBefore = await majorCollections(sg);
    pool.reset();
    const first = performance.now();
    const placed: Promise<void>[] = [];
    for (let i = 0; i < o.rateEvents * 2; i++) {
      const wait = first + (i * 1000) / o.rate - performance.now();
      if (wait > 0) await sleep(wait);
      placed.push(placeOrder(stack, sg, TENANTS[i % 2]!, i).then((p) => pool.sent(p.id, p.started)));
    }
    await Promise.all(placed);
    const expected = o.rateEvents * o.subscribers;
    await until(() => pool.deliveries >= expected, 60_000);
    const sorted = [...pool.latencies].sort((a, b) => a - b);
    const majors = (await majorCollections(sg)) - majorBefore;
    if (round < 0) {
      out.warmup = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), majorCollections: majors };
    } else {
      out.p50.push(percentile(sorted, 50));
      out.p99.push(percentile(sorted, 99));
      out.majorCollections.push(majors);
    }
    out.delivered += pool.deliveries;
    out.expected += expected;
  }
  return out;
}

/** `count` idle sockets on the supergraph from bench/subscriptions/idle-sockets-client.ts, each subscribed on tenant platform. */
async function openIdleSockets(stack: Stack, sg: SupergraphProcess, count: number): Promise<Child> {
  const platform = await mintDevToken({ tenant: 'platform', user: 'admin@platform.test', secret: stack.jwtSecret });
  const { child, match } = await startChild(
    TSX,
    [join(__dirname, 'idle-sockets-client.ts'), sg.wsUrl, platform, String(count), IDLE_QUERY],
    {
      cwd: ROOT,
      ...(stack.pinned ? { cpus: '0' } : {}),
      ready: /IDLE (READY|FAILED.*)/,
      timeoutMs: 300_000,
    },
  );
  if (match[1] !== 'READY') {
    await child.stop();
    throw new Error(`idle sockets: ${match[1]}`);
  }
  return child;
}

/** RSS of `pid`'s tree once it stopped moving: the lowest of 10 readings over 3 s, MiB. */
async function settledRssMiB(pid: number): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 10; i++) {
    low = Math.min(low, rssMiB(pid));
    await sleep(300);
  }
  return low;
}

/** RSS of the supergraph before, at the peak of and after a burst of dashboard requests. */
async function recovery(stack: Stack, sg: SupergraphProcess, o: SubscriptionsBenchOptions): Promise<SubscriptionsBenchResult['recovery']> {
  const flood = async (inFlight: number, total: number) => {
    const { child, match } = await startChild(
      TSX,
      [join(ROOT, 'bench', 'flood-client.ts'), sg.url, stack.tokens.acme.writer, String(inFlight), String(total)],
      {
        cwd: ROOT,
        ...(stack.pinned ? { cpus: '0' } : {}),
        ready: /COUNTS (\{.*\})/,
        timeoutMs: 300_000,
      },
    );
    await child.stop();
    const counts = JSON.parse(match[1]!) as Record<string, number>;
    return total - (counts['200'] ?? 0);
  };
  await flood(4, 200); // warm-up: compiled code and pools as in steady use
  const releasesBefore = await memoryReleases(sg);
  const beforeMiB = rssMiB(sg.child.pid);
  let peakMiB = beforeMiB;
  const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, rssMiB(sg.child.pid))), 100);
  const failed = await flood(50, o.memoryBurst);
  clearInterval(sampler);
  peakMiB = Math.max(peakMiB, rssMiB(sg.child.pid));
  const burstEnd = Date.now();
  let backWithin20PctAfterMs: number | undefined;
  let afterMiB = rssMiB(sg.child.pid);
  while (Date.now() - burstEnd < o.recoveryMs) {
    afterMiB = rssMiB(sg.child.pid);
    if (backWithin20PctAfterMs === undefined && afterMiB <= beforeMiB * 1.2) backWithin20PctAfterMs = Date.now() - burstEnd;
    await sleep(1000);
  }
  afterMiB = rssMiB(sg.child.pid);
  return {
    requests: o.memoryBurst,
    beforeMiB,
    peakMiB,
    afterMiB,
    watchedMs: o.recoveryMs,
    ...(backWithin20PctAfterMs !== undefined ? { backWithin20PctAfterMs } : {}),
    failed,
    releases: releasesBetween(releasesBefore, await memoryReleases(sg)),
  };
}

/** Runs the subscriptions benchmark (see the file comment). */
export async function runSubscriptionsBench(o: SubscriptionsBenchOptions): Promise<SubscriptionsBenchResult> {
  const pinned = await pinLoadGeneratorToCpu0();
  const db = await startBenchDatabase('bench_subscriptions', { unlimitedStock: true });
  const redis = await startRedisServer();
  const stopAll: (() => Promise<unknown>)[] = [() => redis.stop(), () => db.stop()];
  try {
    const stack: Stack = {
      jwtSecret: randomBytes(32).toString('hex'),
      databaseUrl: db.url,
      redisUrl: redis.url,
      pinned,
      tokens: {} as Stack['tokens'],
      products: {} as Stack['products'],
    };
    stack.tokens.acme = {
      reader: await mintDevToken({ tenant: 'acme', user: 'staff@acme.test', secret: stack.jwtSecret }),
      writer: await mintDevToken({ tenant: 'acme', user: 'owner@acme.test', secret: stack.jwtSecret }),
    };
    const globex = await mintDevToken({ tenant: 'globex', user: 'owner@globex.test', secret: stack.jwtSecret });
    stack.tokens.globex = { reader: globex, writer: globex };
    const pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    for (const t of TENANTS) {
      const rows = await pg.query<{ id: string }>(
        'SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = $1 ORDER BY p.sku LIMIT 10',
        [t],
      );
      stack.products[t] = rows.rows.map((r) => r.id);
    }
    await pg.end();

    const result: SubscriptionsBenchResult = {
      pinned,
      subscribers: o.subscribers,
      idleSockets: o.idleSockets,
      ceiling: { perSecond: [], serverCpuMsPerDelivery: [], delivered: 0, expected: 0 },
      shared: { perSecond: [], serverCpuMsPerDelivery: [], delivered: 0, expected: 0 },
    };

    o.log('  supergraph process (shared executions)');
    const sg = await startSupergraph(stack, true, o.cpuProfDir);
    stopAll.unshift(() => sg.child.stop());
    if (o.idleSockets > 0) {
      // On the fresh process: once a burst has grown the heap, new sockets fill its free space unseen.
      o.log(`  RSS per idle socket: ${o.idleSockets} sockets from another process`);
      const releasesBefore = await memoryReleases(sg);
      const before = await settledRssMiB(sg.child.pid);
      const idle = await openIdleSockets(stack, sg, o.idleSockets);
      stopAll.unshift(() => idle.stop());
      result.idleSocketKiB = (((await settledRssMiB(sg.child.pid)) - before) * 1024) / o.idleSockets;
      result.idleSocketReleases = releasesBetween(releasesBefore, await memoryReleases(sg));
      await idle.stop();
    }
    o.log(`  ${o.subscribers} subscribers on the gateway`);
    const ours = await subscribeAll(stack, sg, o.subscribers);
    const payload = ours.sample!;

    const ceilingPort = await freePort();
    const { child: ceilingChild } = await startChild(TSX, [join(__dirname, 'ws-ceiling-server.ts'), String(ceilingPort)], {
      cwd: ROOT,
      ...(pinned ? { cpus: '1' } : {}),
      ready: /CEILING READY/,
    });
    stopAll.unshift(() => ceilingChild.stop());
    const ceiling = { url: `http://127.0.0.1:${ceilingPort}`, child: ceilingChild };
    o.log(`  ${o.subscribers} subscribers on the WebSocket ceiling server`);
    const onCeiling = new SubscriberPool(`ws://127.0.0.1:${ceilingPort}/graphql`, o.subscribers, (t) => ({ tenant: t }));
    for (let i = 0; i < 600; i++) {
      const live = Number(await (await fetch(`${ceiling.url}/subscriptions`)).text());
      if (live >= o.subscribers) break;
      await sleep(100);
    }

    /** `rounds` bursts, each on the gateway and then on the ceiling server (the same machine state), merged per server. */
    const interleavedBursts = async (rounds: number, firstRound: number, label: string) => {
      let onGateway: BurstResult | undefined;
      let onServer: BurstResult | undefined;
      for (let i = 0; i < rounds; i++) {
        o.log(`  ${label} ${i + 1}/${rounds}: gateway, then ceiling`);
        onGateway = merge(onGateway, await burstOurs(stack, sg, ours, o.burstEvents, o.subscribers));
        onServer = merge(onServer, await burstCeiling(ceiling, onCeiling, payload, o.burstEvents, firstRound + i, o.subscribers));
      }
      return { ours: onGateway!, ceiling: onServer! };
    };
    const warm = await interleavedBursts(1, -1, 'burst warm-up round');
    const measured = await interleavedBursts(o.rounds, 0, 'burst round');
    result.shared = measured.ours;
    result.ceiling = measured.ceiling;
    // Every update of the warm-up must arrive too: its deliveries count in delivered/expected.
    for (const [into, w] of [
      [result.shared, warm.ours],
      [result.ceiling, warm.ceiling],
    ] as const) {
      into.warmup = { perSecond: w.perSecond[0]!, serverCpuMsPerDelivery: w.serverCpuMsPerDelivery[0]! };
      into.delivered += w.delivered;
      into.expected += w.expected;
    }

    const releasesBefore = await memoryReleases(sg);
    if (o.rate > 0) {
      o.log(`  fixed rate: ${o.rate} orders/s, ${o.subscribers} subscribers`);
      result.rate = { perSecond: o.rate, active: await fixedRate(stack, sg, ours, o) };
    }
    const idle = o.idleSockets > 0 ? await openIdleSockets(stack, sg, o.idleSockets) : undefined;
    if (idle) stopAll.unshift(() => idle.stop());
    if (result.rate && idle) {
      o.log(`  fixed rate with ${o.idleSockets} idle sockets from another process`);
      result.rate.withIdle = await fixedRate(stack, sg, ours, o);
    }
    if (result.rate) result.rateMemoryReleases = releasesBetween(releasesBefore, await memoryReleases(sg));
    if (idle) {
      const withIdle = await interleavedBursts(o.rounds, o.rounds, `burst round (${o.idleSockets} idle sockets open)`);
      result.sharedWithIdle = withIdle.ours;
      result.ceilingWithIdle = withIdle.ceiling;
      await idle.stop();
    }
    await onCeiling.dispose();
    await ceilingChild.stop();
    await ours.dispose();
    await sg.child.stop(30_000);

    if (o.unsharedEvents > 0 || o.memoryBurst > 0) {
      // A fresh process: the measures above grew the first one's heap.
      o.log('  supergraph process (one execution per subscription)');
      const unsharedSg = await startSupergraph(stack, false, o.cpuProfDir);
      stopAll.unshift(() => unsharedSg.child.stop());
      if (o.memoryBurst > 0) {
        o.log(`  RSS around a burst of ${o.memoryBurst} dashboard requests, watched for ${o.recoveryMs / 1000} s`);
        result.recovery = await recovery(stack, unsharedSg, o);
      }
      if (o.unsharedEvents > 0) {
        const pool = await subscribeAll(stack, unsharedSg, o.subscribers);
        result.unshared = await burstOurs(stack, unsharedSg, pool, o.unsharedEvents, o.subscribers);
        await pool.dispose();
      }
      await unsharedSg.child.stop(30_000);
    }
    // Only a full run has every figure `npm run capacity` reads.
    if (result.unshared && result.idleSocketKiB !== undefined) writeResultsJson(result);
    return result;
  } finally {
    for (const stop of stopAll) await stop().catch(() => undefined);
  }
}

/** bench/results/subscriptions.json, the input of `npm run capacity` (scripts/capacity-model.ts). */
function writeResultsJson(r: SubscriptionsBenchResult): void {
  const row = (mode: string, b: BurstResult | undefined) =>
    b && {
      mode,
      perSecond: median(b.perSecond),
      serverCpuMsPerDelivery: median(b.serverCpuMsPerDelivery),
      rssPerConnectionKiB: r.idleSocketKiB,
    };
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'subscriptions.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cores: availableParallelism(),
        results: [row('shared', r.shared), row('unshared', r.unshared)].filter(Boolean),
        raw: r,
      },
      null,
      2,
    ) + '\n',
  );
}

if (require.main === module) {
  runAsScript(() => runSubscriptionsBench(subscriptionsBenchOptions(process.argv.includes('--quick'), (l) => console.log(l))));
}
