/**
 * Isolation benchmark (issue 9, "Tenants cannot hurt each other"): `npx tsx bench/isolation.bench.ts`
 * (not part of `npm test`; about 6 minutes, loopback only). An embedded PostgreSQL and a
 * redis-server, then the whole supergraph as `npm start` runs it (apps/supergraph.main.ts) in a
 * child process, so the load generator (this process) does not share the gateway's event loop.
 * Each scenario runs our defaults and, side by side in the same run, a baseline with the protection
 * under test switched off by configuration ("before"):
 *
 * 1. Noisy neighbour over HTTP: tenant B (globex) sends the dashboard query at a fixed arrival rate
 *    (open loop, latency from the scheduled send time), alone, then while tenant A (acme) floods
 *    dashboard queries with 200 in flight. Baseline: budgets far above the flood.
 * 2. Noisy neighbour over subscriptions: B's event-to-client latency (from sending `placeOrder` to
 *    receiving `orderUpdated`), alone, then while A holds 2,000 subscriptions with distinct documents
 *    (2,048 field subsets) and places an order every second. The socket and subscription caps are
 *    raised for A (else the caps refuse its 2,000 subscriptions: that protection is tested in
 *    test/security/rate-limits.test.ts); what is measured is the executor's fairness.
 * 3. Planner attack: the longest `/healthz` answer (probed every 5 ms from this process: the
 *    gateway's event-loop stall as a client sees it) while the issue's 1,000-alias mutation is sent,
 *    and while 10 new documents at the worst case within the limits (14 root fields, 280 fields,
 *    every subgraph) are. Baselines: planning on the event loop (`GRAPHQL_PLANNING_TIMEOUT_MS=0`), and the attack
 *    with every document limit off (the code base before issue 9).
 * 4. Gateway RSS before, at the peak of, and 30 s after a burst of 2,000 dashboard requests from one
 *    tenant, 200 in flight. Baseline: budgets far above the burst.
 *
 * Figures go to stdout and bench/results/isolation.md. On a machine with two or more CPUs (and
 * `taskset`), the server side (the supergraph process, PostgreSQL, Redis) runs on CPU 1 and the load
 * generators (this process) on CPU 0, as clients and servers would be on different machines; read
 * the ratios of one run.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as PgClient } from 'pg';
import { mintDevToken } from '../lib/auth/dev-token';
import { startEmbeddedPostgres } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { DASHBOARD_QUERY } from '../scripts/dashboard-query';
import { freePort, startRedisServer } from '../test/support/redis-server';
import { openLoop, percentile, type LoadTarget } from './load';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { canPin, rssMiB, startChild } from './proc';
import { startSupergraphProcess, UNBOUNDED_ENV } from './supergraph-process';
import { f0, f1, f2, table } from './report';
import { UNBOUNDED_PLAN } from './unbounded-budgets';

const ROOT = join(__dirname, '..');
/** Server side on CPU 1, load generators on CPU 0 (see the module doc). */
const PINNED = canPin(cpus().length);
/** Pins this process (all its threads, and the children it starts from now on) to `cpu`. */
const pinSelf = (cpu: string) => PINNED && execFileSync('taskset', ['-a', '-cp', cpu, String(process.pid)], { stdio: 'ignore' });
const RESULTS = join(__dirname, 'results');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Per-user budgets out of the way in every variant: B's steady load comes from one token, and what
 * is compared is tenant A against tenant B (B is on the enterprise plan its load fits in; A on the
 * standard plan, or unbounded in the baselines).
 */
const USERS_UNBOUNDED = { RATE_LIMIT_USER_REQUESTS_PER_MINUTE: '1000000000', RATE_LIMIT_USER_COST_PER_MINUTE: '1000000000' };

/** One POST; resolves with the status and body (never rejects: a socket error is status 0). */
function post(agent: Agent, url: URL, payload: Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(payload);
  });
}

/** Status counts of a flood: `total` requests (or until `until()`), `inFlight` at a time. */
async function flood(
  url: string,
  body: string,
  token: string,
  inFlight: number,
  stop: { total?: number; until?: () => boolean },
): Promise<Record<string, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const target = new URL(url);
  const payload = Buffer.from(body);
  const counts: Record<string, number> = {};
  let sent = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while ((stop.total === undefined || sent < stop.total) && !(stop.until?.() ?? false)) {
        sent++;
        const { status, body: text } = await post(agent, target, payload, { authorization: `Bearer ${token}` });
        const key = status === 200 && text.includes('"errors"') ? '200 with errors' : String(status);
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }),
  );
  agent.destroy();
  return counts;
}

const describeCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort()
    .map(([k, v]) => `${v} x ${k}`)
    .join(', ');

async function setPlans(databaseUrl: string, plans: Record<string, string>): Promise<void> {
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  await pg.query('INSERT INTO plans (name, requests_per_minute, cost_per_minute) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
    UNBOUNDED_PLAN.name,
    UNBOUNDED_PLAN.requestsPerMinute,
    UNBOUNDED_PLAN.costPerMinute,
  ]);
  for (const [slug, plan] of Object.entries(plans)) await pg.query('UPDATE tenants SET plan = $1 WHERE slug = $2', [plan, slug]);
  await pg.end();
}

const tokens = async () => ({
  a: await mintDevToken({ tenant: 'acme', user: 'owner@acme.test' }),
  b: await mintDevToken({ tenant: 'globex', user: 'owner@globex.test' }),
});

const dashboardOk = (status: number, body: string) => status === 200 && !body.includes('"errors"');

// ---------------------------------------------------------------------------------------------
// 1. Noisy neighbour over HTTP

const B_RATE = 8;
const WINDOW_MS = 20_000;

async function httpNeighbour(databaseUrl: string, redisUrl: string): Promise<string> {
  const rows: string[][] = [];
  const t = await tokens();
  for (const variant of ['ours (budgets, fair slots)', 'before: budgets off'] as const) {
    const off = variant.startsWith('before');
    await setPlans(databaseUrl, { acme: off ? UNBOUNDED_PLAN.name : 'standard', globex: 'enterprise' });
    const sg = await startSupergraphProcess({
      databaseUrl,
      redisUrl,
      env: off ? UNBOUNDED_ENV : USERS_UNBOUNDED,
      ...(PINNED ? { cpus: '1' } : {}),
    });
    try {
      const body = JSON.stringify({ query: DASHBOARD_QUERY });
      const b: LoadTarget = { url: sg.url, body, headers: { authorization: `Bearer ${t.b}` }, check: dashboardOk };
      await openLoop(b, 4, 2_000); // warm-up (plans, pools)
      // A is an existing tenant: its first request opens its connection pool (about 150 ms of server CPU).
      await flood(sg.url, body, t.a, 1, { total: 1 });
      await sleep(2_000);
      const alone = await openLoop(b, B_RATE, WINDOW_MS);
      // A floods from its own process (its event loop must not delay B's sends), for B's whole window.
      const aFlood = await startChild(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(__dirname, 'flood-client.ts'), sg.url, t.a, '200', `${WINDOW_MS + 1_000}ms`],
        {
          cwd: ROOT,
          ready: /FLOODING/,
          timeoutMs: 60_000,
          ...(PINNED ? { cpus: '0' } : {}),
        },
      );
      const withFlood = await openLoop(b, B_RATE, WINDOW_MS);
      await new Promise<void>((resolve) =>
        aFlood.child.proc.exitCode !== null ? resolve() : aFlood.child.proc.once('exit', () => resolve()),
      );
      const aCounts = JSON.parse(/COUNTS (.*)/.exec(aFlood.child.output())?.[1] ?? '{}') as Record<string, number>;
      const [p50a, p99a, p50f, p99f] = [
        percentile(alone.latenciesMs, 50),
        percentile(alone.latenciesMs, 99),
        percentile(withFlood.latenciesMs, 50),
        percentile(withFlood.latenciesMs, 99),
      ];
      rows.push([
        variant,
        `${f1(p50a)} / ${f1(p99a)}`,
        `${f1(p50f)} / ${f1(p99f)}`,
        `${f2(p99f / p99a)}x`,
        `${alone.failed + withFlood.failed}`,
        describeCounts(aCounts),
      ]);
      console.log(
        `  http ${variant}: B alone p50/p99 ${f1(p50a)}/${f1(p99a)} ms, with flood ${f1(p50f)}/${f1(p99f)} ms; A: ${describeCounts(aCounts)}`,
      );
    } finally {
      await sg.child.stop();
    }
  }
  await setPlans(databaseUrl, { acme: 'standard', globex: 'standard' });
  return table(
    [
      'gateway',
      `B p50 / p99 ms alone (${B_RATE} req/s)`,
      'B p50 / p99 ms while A floods (200 in flight)',
      'B p99 ratio',
      'B failed',
      'A answers during the window',
    ],
    rows,
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Noisy neighbour over subscriptions

const SUB_FIELDS = [
  'number',
  'status',
  'createdAt',
  'updatedAt',
  'total { amount }',
  'total { currency }',
  'lines { quantity }',
  'lines { unitPrice { amount } }',
  'lines { unitPrice { currency } }',
  'lines { product { name } }',
  'placedBy { name }',
];
const A_SUBSCRIPTIONS = 2_000;
const distinct = (i: number) => `subscription { orderUpdated { id ${SUB_FIELDS.filter((_, k) => (i >> k) & 1).join(' ')} } }`;
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';

async function productIds(databaseUrl: string, slug: string): Promise<string[]> {
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  const r = await pg.query<{ id: string }>(
    'SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = $1 AND p.stock >= 100 ORDER BY p.sku LIMIT 10',
    [slug],
  );
  await pg.end();
  return r.rows.map((x) => x.id);
}

async function subscriptionNeighbour(databaseUrl: string, redisUrl: string): Promise<string> {
  await setPlans(databaseUrl, { acme: UNBOUNDED_PLAN.name, globex: 'standard' });
  const env = {
    WS_MAX_SOCKETS_PER_USER: '100',
    MAX_SUBSCRIPTIONS_PER_USER: '5000',
    MAX_SUBSCRIPTIONS_PER_TENANT: '5000',
    ...USERS_UNBOUNDED,
    GRAPHQL_PLANNING_QUEUE_PER_TENANT: '5000',
  };
  const sg = await startSupergraphProcess({ databaseUrl, redisUrl, env, ...(PINNED ? { cpus: '1' } : {}) });
  const t = await tokens();
  const agent = new Agent({ keepAlive: true });
  const clients: Client[] = [];
  const connect = (token: string) => {
    const c = createClient({
      url: sg.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    clients.push(c);
    return c;
  };
  const products = { acme: await productIds(databaseUrl, 'acme'), globex: await productIds(databaseUrl, 'globex') };
  const place = async (token: string, productId: string) => {
    const res = await post(
      agent,
      new URL(sg.url),
      Buffer.from(JSON.stringify({ query: PLACE, variables: { input: { lines: [{ productId, quantity: 1 }] } } })),
      { authorization: `Bearer ${token}` },
    );
    return (JSON.parse(res.body) as { data?: { placeOrder?: { id: string } } }).data?.placeOrder?.id;
  };
  try {
    // B: one subscriber; latency from sending placeOrder to receiving its update.
    const sentAt = new Map<string, number>();
    const early = new Map<string, number>();
    const latencies: number[] = [];
    connect(t.b).subscribe<{ orderUpdated: { id: string } }>(
      { query: 'subscription { orderUpdated { id status total { amount } } }' },
      {
        next: (m) => {
          const id = m.data?.orderUpdated.id;
          if (!id) return;
          const sent = sentAt.get(id);
          if (sent === undefined) early.set(id, performance.now());
          else latencies.push(performance.now() - sent);
        },
        error: (e) => console.error('B subscription error', e),
        complete: () => undefined,
      },
    );
    await sleep(1_000);
    const measureB = async (orders: number, rate: number) => {
      latencies.length = 0;
      for (let i = 0; i < orders; i++) {
        const started = performance.now();
        const id = await place(t.b, products.globex[i % products.globex.length]!);
        if (id) {
          sentAt.set(id, started);
          const arrived = early.get(id);
          if (arrived !== undefined) latencies.push(arrived - started);
        }
        await sleep(Math.max(0, 1000 / rate - (performance.now() - started)));
      }
      const deadline = Date.now() + 60_000;
      while (latencies.length < orders && Date.now() < deadline) await sleep(100);
      return [...latencies].sort((a, b) => a - b);
    };
    await measureB(3, 4); // warm-up
    const alone = await measureB(20, 4);
    console.log(
      `  subscriptions: B alone p50/p99 ${f0(percentile(alone, 50))}/${f0(percentile(alone, 99))} ms; opening ${A_SUBSCRIPTIONS} distinct subscriptions of A`,
    );

    let aDeliveries = 0;
    let aErrors = 0;
    const reached = new Set<number>();
    for (let s = 0; s < A_SUBSCRIPTIONS / 100; s++) {
      const client = connect(t.a);
      for (let i = 0; i < 100; i++) {
        const n = s * 100 + i;
        client.subscribe(
          { query: distinct(n + 1) },
          {
            next: () => {
              aDeliveries++;
              reached.add(n);
            },
            error: (e) => {
              if (aErrors++ === 0) console.log(`  subscriptions: first error of A: ${JSON.stringify(e).slice(0, 300)}`);
            },
            complete: () => undefined,
          },
        );
      }
    }
    // A's documents are planned (in the planning worker, one after the other) and attach: place A
    // orders until (nearly) every subscription has received one.
    const t0 = performance.now();
    const deadline = Date.now() + 300_000;
    while (reached.size + aErrors < A_SUBSCRIPTIONS * 0.98 && Date.now() < deadline) {
      await place(t.a, products.acme[0]!);
      await sleep(3_000);
    }
    console.log(
      `  subscriptions: ${reached.size} of A's subscriptions reached after ${f0((performance.now() - t0) / 1000)} s (${aErrors} errors)`,
    );
    let aOrders = 0;
    let running = true;
    const aLoad = (async () => {
      while (running) {
        await place(t.a, products.acme[aOrders % products.acme.length]!);
        aOrders++;
        await sleep(1_000);
      }
    })();
    const before = aDeliveries;
    const withA = await measureB(20, 4);
    running = false;
    await aLoad;
    const row = [
      `${f0(percentile(alone, 50))} / ${f0(percentile(alone, 99))}`,
      `${f0(percentile(withA, 50))} / ${f0(percentile(withA, 99))}`,
      `${f2(percentile(withA, 99) / percentile(alone, 99))}x`,
      `${alone.length}/20, ${withA.length}/20`,
      `${A_SUBSCRIPTIONS} subscriptions, ${aOrders} orders, ${aDeliveries - before} deliveries during the window`,
    ];
    console.log(`  subscriptions: B with A p50/p99 ${row[1]} ms`);
    return table(
      ['B p50 / p99 ms alone', `B p50 / p99 ms while A holds ${A_SUBSCRIPTIONS} distinct subscriptions`, 'B p99 ratio', 'B delivered', 'A'],
      [row],
    );
  } finally {
    for (const c of clients) await c.dispose();
    agent.destroy();
    await sg.child.stop();
    await setPlans(databaseUrl, { acme: 'standard', globex: 'standard' });
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Planner attack

const aliased = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
const MUTATION_ATTACK = `mutation { ${aliased(1000, (i) => `m${i}: markNotificationRead(id: "00000000-0000-4000-8000-00000000000${i % 10}") { id }`)} }`;
const ORDER =
  'id number status total { amount } placedBy { name tenant { plan { name } } } lines { quantity product { name price { amount } } }';
/**
 * The worst case within the default limits found: 14 root fields over every subgraph, 14 aliases,
 * 280 fields, depth 8 (a new name each time: a new plan); about 100-300 ms of planning here.
 */
const worstWithinLimits = (salt: number) =>
  `query W${salt} { ${aliased(14, (i) => (i % 2 ? `n${i}: notifications(first: 1) { edges { node { id order { ${ORDER} } } } }` : `o${i}: orders(first: 1) { edges { node { ${ORDER} } } }`))} }`;

/** `query` (one operation `query W<n> { ... }`) with every root field under `@skip(if: $s)`, `$s` true. */
const skipped = (query: string) =>
  query
    .replace(/^query (\w+) \{/, 'query $1($s: Boolean = true) {')
    .replace(/(\w+: (?:orders|notifications)\(first: 1\))/g, '$1 @skip(if: $s)');

/** Longest and 99th percentile /healthz answer (ms) while `during` runs, probing back to back every 5 ms. */
async function stall(health: string, during: () => Promise<unknown>): Promise<{ max: number; p99: number }> {
  const samples: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      await fetch(health).then((r) => r.text());
      samples.push(performance.now() - t0);
      await sleep(5);
    }
  })();
  await during();
  await sleep(50);
  running = false;
  await prober;
  samples.sort((a, b) => a - b);
  return { max: samples[samples.length - 1] ?? NaN, p99: percentile(samples, 99) };
}

const stallText = (s: { max: number; p99: number }) => `${f0(s.max)} (p99 ${f0(s.p99)})`;

async function plannerAttack(databaseUrl: string, redisUrl: string): Promise<string> {
  const t = await tokens();
  const rows: string[][] = [];
  const variants: Array<[string, Record<string, string>, boolean]> = [
    ['ours (limits, planning worker)', USERS_UNBOUNDED, true],
    ['planning on the event loop (GRAPHQL_PLANNING_TIMEOUT_MS=0)', { ...USERS_UNBOUNDED, GRAPHQL_PLANNING_TIMEOUT_MS: '0' }, true],
    [
      'before: no document limit, planning on the event loop',
      {
        ...UNBOUNDED_ENV,
        GRAPHQL_PLANNING_TIMEOUT_MS: '0',
        GRAPHQL_MAX_ALIASES: '100000',
        GRAPHQL_MAX_ROOT_FIELDS: '100000',
        GRAPHQL_MAX_MUTATION_ROOT_FIELDS: '100000',
        GRAPHQL_MAX_FIELDS: '100000',
        GRAPHQL_MAX_TOKENS: '1000000',
        GRAPHQL_MAX_CHARACTERS: '1000000',
        GRAPHQL_MAX_COST: '1000000000',
      },
      false,
    ],
  ];
  await setPlans(databaseUrl, { acme: UNBOUNDED_PLAN.name });
  let salt = 0;
  for (const [name, env, worst] of variants) {
    const sg = await startSupergraphProcess({ databaseUrl, redisUrl, env, ...(PINNED ? { cpus: '1' } : {}) });
    try {
      const agent = new Agent({ keepAlive: true });
      const send = async (query: string) =>
        (await post(agent, new URL(sg.url), Buffer.from(JSON.stringify({ query })), { authorization: `Bearer ${t.a}` })).status;
      await send('{ tenant { slug } }');
      const idle = await stall(sg.health, () => sleep(2_000));
      let attackStatus = 0;
      const attack = await stall(sg.health, async () => {
        attackStatus = await send(MUTATION_ATTACK);
      });
      let worstMs = { max: NaN, p99: NaN };
      let planningOnly = { max: NaN, p99: NaN };
      const statuses: number[] = [];
      if (worst) {
        worstMs = await stall(sg.health, async () => {
          for (let i = 0; i < 10; i++) statuses.push(await send(worstWithinLimits(salt++)));
        });
        // The same documents with every root field under `@skip(if: $s)`: planned in full (a
        // condition on a variable), executed as nothing, so the stall is the planning's alone.
        planningOnly = await stall(sg.health, async () => {
          for (let i = 0; i < 10; i++) statuses.push(await send(skipped(worstWithinLimits(salt++))));
        });
      }
      agent.destroy();
      const codes = `HTTP ${[...new Set(statuses)].join(', ')}`;
      rows.push([
        name,
        stallText(idle),
        `${stallText(attack)}, HTTP ${attackStatus}`,
        worst ? `${stallText(worstMs)}, ${codes}` : 'n/a',
        worst ? stallText(planningOnly) : 'n/a',
      ]);
      console.log(
        `  planner: ${name}: idle ${stallText(idle)}, 1,000-alias attack ${stallText(attack)} (HTTP ${attackStatus}), worst within limits ${stallText(worstMs)}, planning only ${stallText(planningOnly)} (${codes})`,
      );
    } finally {
      await sg.child.stop();
    }
  }
  await setPlans(databaseUrl, { acme: 'standard' });
  return table(
    [
      'gateway',
      'longest (p99) /healthz idle, ms',
      'longest (p99) /healthz during the 1,000-alias mutation, ms',
      'longest (p99) /healthz during 10 new worst-case documents within the limits (planned and executed), ms',
      'the same, planning only (root fields skipped at execution), ms',
    ],
    rows,
  );
}

// ---------------------------------------------------------------------------------------------
// 4. RSS around a burst

async function rssBurst(databaseUrl: string, redisUrl: string): Promise<string> {
  const t = await tokens();
  const rows: string[][] = [];
  for (const variant of ['ours (budgets, fair slots)', 'before: budgets off'] as const) {
    const off = variant.startsWith('before');
    await setPlans(databaseUrl, { acme: off ? UNBOUNDED_PLAN.name : 'standard', globex: 'enterprise' });
    const sg = await startSupergraphProcess({
      databaseUrl,
      redisUrl,
      env: off ? UNBOUNDED_ENV : USERS_UNBOUNDED,
      ...(PINNED ? { cpus: '1' } : {}),
    });
    try {
      const body = JSON.stringify({ query: DASHBOARD_QUERY });
      await flood(sg.url, body, t.b, 4, { total: 20 }); // warm-up by another tenant
      await sleep(2_000);
      const before = rssMiB(sg.child.pid);
      let peak = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, rssMiB(sg.child.pid));
          await sleep(100);
        }
      })();
      const started = performance.now();
      const counts = await flood(sg.url, body, t.a, 200, { total: 2_000 });
      const seconds = (performance.now() - started) / 1000;
      await sleep(30_000);
      sampling = false;
      await sampler;
      const after = rssMiB(sg.child.pid);
      rows.push([variant, f0(before), f0(peak), f0(after), f1(seconds), describeCounts(counts)]);
      console.log(`  rss ${variant}: ${f0(before)} -> ${f0(peak)} -> ${f0(after)} MiB; ${describeCounts(counts)} in ${f1(seconds)} s`);
    } finally {
      await sg.child.stop();
    }
  }
  await setPlans(databaseUrl, { acme: 'standard' });
  return table(['gateway', 'RSS before MiB', 'peak during MiB', '30 s after MiB', 'burst seconds', 'answers'], rows);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'supergraph-bench-pg-'));
  pinSelf('1'); // PostgreSQL and Redis start on the server's CPU...
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench_isolation', ephemeral: true });
  const redis = await startRedisServer();
  pinSelf('0'); // ...the load generators run on the other one
  const sections: string[] = [];
  try {
    await migrate(db.url);
    await seedDemoData(db.url);
    const run = async (name: string, title: string, fn: () => Promise<string>) => {
      if (only.length && !only.includes(name)) return;
      console.log(`${title}...`);
      sections.push(`### ${title}\n\n${await fn()}\n`);
    };
    await run('http', 'Noisy neighbour over HTTP', () => httpNeighbour(db.url, redis.url));
    await run('subscriptions', 'Noisy neighbour over subscriptions', () => subscriptionNeighbour(db.url, redis.url));
    await run('planner', 'Planner attack: gateway event-loop stall seen by /healthz', () => plannerAttack(db.url, redis.url));
    await run('rss', 'Gateway process RSS around a burst of 2,000 requests (200 in flight)', () => rssBurst(db.url, redis.url));
    const placement = PINNED ? 'server side on CPU 1, load generators on CPU 0' : 'not pinned (one CPU or no taskset)';
    const report = `# Isolation benchmark\n\n${new Date().toISOString()}, ${process.version}, ${placement}\n\n${sections.join('\n')}`;
    console.log(`\n${report}`);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'isolation.md'), report);
  } finally {
    await redis.destroy();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
