/**
 * Subscriptions benchmark: `npx tsx bench/subscriptions.bench.ts` (not part of `npm test`; about a
 * minute, loopback only). Starts an embedded PostgreSQL and a redis-server, then, for each mode
 * (shared executions on, then off), the whole supergraph in this process, opens SUBSCRIBERS graphql-ws
 * connections split over two tenants (each subscribing `orderUpdated` with cross-subgraph fields),
 * places EVENTS orders per tenant at a fixed rate, and reports:
 *
 * - deliveries per second (messages received by all subscribers / time from the first order to the
 *   last delivery),
 * - p50 / p99 latency from sending `placeOrder` to each subscriber receiving the update (the whole
 *   path: mutation, outbox, relay, Redis Stream, stream hub, execution through the gateway, socket),
 * - executions run, and RSS growth per connection (client and server sockets both live in this
 *   process, so it is an upper bound for the server side).
 *
 * Environment: BENCH_SUBSCRIBERS (default 1000), BENCH_EVENTS (orders per tenant, default 20),
 * BENCH_RATE (orders per second, default 10).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as PgClient } from 'pg';
import { mintDevToken } from '../lib/auth/dev-token';
import { startEmbeddedPostgres } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { createLogger } from '../lib/logger';
import { subscriptionMetrics } from '../gateway/subscriptions/shared-executor';
import { startLocalSupergraph } from '../apps/local-supergraph';
import { unboundedAdmission, unboundedPlans } from './unbounded-budgets';
import { loadConfig } from '../lib/config';
import { freePort, startRedisServer } from '../test/support/redis-server';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 10);
const QUERY =
  'subscription { orderUpdated { id number status total { amount currency } placedBy { name } lines { quantity product { name } } } }';
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface ModeResult {
  mode: string;
  deliveries: number;
  expected: number;
  perSecond: number;
  p50: number;
  p99: number;
  executions: number;
  rssPerConnectionKiB: number;
}

async function runMode(mode: 'shared' | 'unshared', databaseUrl: string, redisUrl: string): Promise<ModeResult> {
  const base = loadConfig({});
  const supergraph = await startLocalSupergraph({
    // 500 sockets per user and tenant: caps and budgets out of the way (bench/isolation.bench.ts measures them).
    config: unboundedAdmission({ ...base, database: { ...base.database, url: databaseUrl }, redisUrl }),
    logger: createLogger('bench', 'silent'),
    ephemeralPorts: true,
    subscriptions: { sharedExecutions: mode === 'shared' },
  });
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  const tenants = ['acme', 'globex'] as const;
  const tokens = {
    acme: {
      reader: await mintDevToken({ tenant: 'acme', user: 'staff@acme.test' }),
      writer: await mintDevToken({ tenant: 'acme', user: 'owner@acme.test' }),
    },
    globex: {
      reader: await mintDevToken({ tenant: 'globex', user: 'owner@globex.test' }),
      writer: await mintDevToken({ tenant: 'globex', user: 'owner@globex.test' }),
    },
  };
  const products: Record<string, string[]> = {};
  for (const t of tenants) {
    const rows = await pg.query<{ id: string }>(
      'SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = $1 AND p.stock >= 50 ORDER BY p.sku LIMIT 10',
      [t],
    );
    products[t] = rows.rows.map((r) => r.id);
  }
  await pg.end();

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const sentAt = new Map<string, number>(); // order id -> ms
  const latencies: number[] = [];
  let deliveries = 0;
  let lastDelivery = 0;
  const clients: Client[] = [];
  const pendingByOrder = new Map<string, number[]>(); // arrivals before the mutation returned
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const tenant = tenants[i % 2]!;
    const client = createClient({
      url: supergraph.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tokens[tenant].reader}` },
      retryAttempts: 0,
    });
    clients.push(client);
    client.subscribe<{ orderUpdated: { id: string } }>(
      { query: QUERY },
      {
        next: (m) => {
          const now = performance.now();
          deliveries++;
          lastDelivery = now;
          const id = m.data?.orderUpdated.id;
          if (!id) return;
          const sent = sentAt.get(id);
          if (sent !== undefined) latencies.push(now - sent);
          else pendingByOrder.set(id, [...(pendingByOrder.get(id) ?? []), now]);
        },
        error: (e) => console.error('subscription error', e),
        complete: () => undefined,
      },
    );
  }
  // Wait until every subscription is attached (one probe order per tenant, not measured).
  const place = async (tenant: (typeof tenants)[number], n: number) => {
    const started = performance.now();
    const res = await fetch(supergraph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[tenant].writer}` },
      body: JSON.stringify({ query: PLACE, variables: { input: { lines: [{ productId: products[tenant]![n % 10], quantity: 1 }] } } }),
    });
    const body = (await res.json()) as { data?: { placeOrder: { id: string } }; errors?: unknown[] };
    if (!body.data) throw new Error(`placeOrder failed: ${JSON.stringify(body.errors)}`);
    return { id: body.data.placeOrder.id, started };
  };
  await sleep(2000);
  const warm = [await place('acme', 0), await place('globex', 0)];
  const warmExpected = SUBSCRIBERS;
  const deadlineWarm = Date.now() + 60_000;
  while (deliveries < warmExpected && Date.now() < deadlineWarm) await sleep(100);
  void warm;
  const rssAfter = process.memoryUsage().rss;
  deliveries = 0;
  latencies.length = 0;
  pendingByOrder.clear();
  const executionsBefore = subscriptionMetrics.executions;

  const firstAt = performance.now();
  const interval = 1000 / RATE;
  for (let i = 0; i < EVENTS * 2; i++) {
    const tenant = tenants[i % 2]!;
    const due = firstAt + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const { id, started } = await place(tenant, i + 1);
    sentAt.set(id, started);
    for (const at of pendingByOrder.get(id) ?? []) latencies.push(at - started);
    pendingByOrder.delete(id);
  }
  const expected = EVENTS * SUBSCRIBERS; // each order reaches the tenant's half of the subscribers
  const deadline = Date.now() + 90_000;
  while (deliveries < expected && Date.now() < deadline) await sleep(50);
  const executions = subscriptionMetrics.executions - executionsBefore;
  latencies.sort((a, b) => a - b);
  const result: ModeResult = {
    mode,
    deliveries,
    expected,
    perSecond: deliveries / ((lastDelivery - firstAt) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    executions,
    rssPerConnectionKiB: (rssAfter - rssBefore) / SUBSCRIBERS / 1024,
  };
  for (const c of clients) await c.dispose();
  await supergraph.stop();
  return result;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'supergraph-bench-pg-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench_subscriptions', ephemeral: true });
  const redis = await startRedisServer();
  try {
    await migrate(db.url);
    await seedDemoData(db.url);
    await unboundedPlans(db.url);
    console.log(`subscriptions benchmark: ${SUBSCRIBERS} subscribers over 2 tenants, ${EVENTS} orders per tenant at ${RATE}/s\n`);
    const results: ModeResult[] = [];
    for (const mode of ['shared', 'unshared'] as const) {
      const r = await runMode(mode, db.url, redis.url);
      results.push(r);
      console.log(
        `${r.mode.padEnd(9)} deliveries ${r.deliveries}/${r.expected}  ${r.perSecond.toFixed(0)}/s  p50 ${r.p50.toFixed(0)} ms  p99 ${r.p99.toFixed(0)} ms  executions ${r.executions}  RSS/connection ${r.rssPerConnectionKiB.toFixed(0)} KiB`,
      );
    }
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', 'subscriptions.json'),
      JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: cpus().length, results }, null, 2) + '\n',
    );
    const [shared, unshared] = results as [ModeResult, ModeResult];
    console.log(
      `\nshared/unshared: executions ${(shared.executions / unshared.executions).toFixed(3)}, p99 ${(shared.p99 / unshared.p99).toFixed(2)}, deliveries/s ${(shared.perSecond / unshared.perSecond).toFixed(2)}`,
    );
  } finally {
    await redis.stop();
    await db.stop();
  }
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
