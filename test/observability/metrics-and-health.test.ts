/**
 * `/metrics`, `/healthz` and `/readyz` of every process: the gateway and the four subgraphs (one
 * stack, each on its own port) and the outbox relay as its own process on `RELAY_PORT`. Scrapes
 * each endpoint and checks the metric names; checks readiness while a dependency is stopped (the
 * relay's Redis, a subgraph's database) and that readiness turns false before a gateway drains.
 */
import { Client } from 'pg';
import { spawnTsx, waitUntil, type ChildHandle } from '../support/processes';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server';
import { startTestStack, type TestStack } from '../support/test-stack';

let stack: TestStack;
const base = (url: string) => url.replace(/\/graphql$/, '');
const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
};

beforeAll(async () => {
  stack = await startTestStack({
    config: (c) => ({ ...c, observability: { ...c.observability, metricTenants: ['00000000-0000-0000-0000-000000000000'] } }),
  });
});
afterAll(async () => {
  await stack?.stop();
});

const GATEWAY_METRICS = [
  'supergraph_graphql_requests_total',
  'supergraph_graphql_errors_total',
  'supergraph_graphql_request_duration_seconds',
  'supergraph_subgraph_fetch_duration_seconds',
  'supergraph_subgraph_fetch_errors_total',
  'supergraph_subgraph_fetch_timeouts_total',
  'supergraph_subgraph_fetch_retries_total',
  'supergraph_subgraph_circuit_breaker_state',
  'supergraph_websocket_connections',
  'supergraph_subscriptions_active',
  'supergraph_subscription_executions_waiting',
  'supergraph_subscription_deliveries_total',
  'supergraph_subscription_delivery_seconds',
  'process_cpu_user_seconds_total',
  'nodejs_eventloop_lag_seconds',
];
const SUBGRAPH_METRICS = [
  'supergraph_graphql_requests_total',
  'supergraph_db_pool_connections',
  'supergraph_db_tenant_pools',
  'process_resident_memory_bytes',
];
const OUTBOX_METRICS = [
  'supergraph_outbox_backlog',
  'supergraph_outbox_oldest_age_seconds',
  'supergraph_outbox_published_total',
  'supergraph_outbox_publish_failures_total',
];
const CONSUMER_METRICS = ['supergraph_stream_consumer_lag', 'supergraph_stream_pending_entries', 'supergraph_stream_dead_letters'];

/** Metric family names declared in a Prometheus exposition (`# TYPE <name> <type>`). */
function names(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]!),
  );
}

describe('/metrics', () => {
  it('of the gateway: operations by name, type and code with bounded labels, subgraph fetches, live sockets and deliveries, Node defaults', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [product] = await stack.sql<{ id: string }>(
      "SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'acme' LIMIT 1",
    );
    const ws = stack.wsClient(token);
    const seen: unknown[] = [];
    const dispose = ws.subscribe(
      { query: 'subscription { orderUpdated { id } }' },
      { next: (m) => void seen.push(m), error: () => undefined, complete: () => undefined },
    );
    await stack.waitForLiveSubscriptions(1);
    await stack.gql('query Dashboard { me { email } }', {}, { token });
    await stack.gql('{ me { email } }', {}, { token });
    await stack.gql('query Broken { nope }', {}, { token });
    await stack.gql('query NoToken { me { email } }');
    await stack.placeOrder(token, product!.id);
    await waitUntil(() => seen.length >= 1, 'the order update');
    const res = await get(`${base(stack.gatewayUrl)}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    const found = names(res.text);
    for (const n of GATEWAY_METRICS) expect(found).toContain(n);
    expect(res.text).toMatch(
      /supergraph_graphql_requests_total\{operation="Dashboard",type="query",tenant="\(other\)",transport="http"\} 1/,
    );
    expect(res.text).toMatch(
      /supergraph_graphql_requests_total\{operation="\(other\)",type="query",tenant="\(other\)",transport="http"\} 1/,
    );
    expect(res.text).toMatch(/supergraph_graphql_errors_total\{operation="Broken",code="GRAPHQL_VALIDATION_FAILED",tenant="\(other\)"\} 1/);
    expect(res.text).toMatch(/supergraph_graphql_errors_total\{operation="\(other\)",code="UNAUTHENTICATED",tenant="\(other\)"\} 1/);
    expect(res.text).toMatch(/supergraph_subscription_deliveries_total\{topic="orders"\} 1/);
    expect(res.text).toMatch(/supergraph_websocket_connections 1/);
    dispose();
  });

  it('of each subgraph on its own port: its operations, database pools, and the event path where it has one', async () => {
    for (const [name, url] of Object.entries(stack.subgraphUrls)) {
      const res = await get(`${base(url)}/metrics`);
      expect(res.status).toBe(200);
      const found = names(res.text);
      for (const n of SUBGRAPH_METRICS) expect(found).toContain(n);
      for (const n of OUTBOX_METRICS) {
        if (name === 'orders' || name === 'notifications') expect(found).toContain(n);
        else expect(found).not.toContain(n);
      }
      for (const n of CONSUMER_METRICS) {
        if (name === 'notifications') expect(found).toContain(n);
        else expect(found).not.toContain(n);
      }
    }
  });

  it('of orders and notifications in one process: the one outbox relay they share, counting every published row', async () => {
    const published = async (name: 'orders' | 'notifications') =>
      Number(/^supergraph_outbox_published_total (\d+)$/m.exec((await get(`${base(stack.subgraphUrls[name])}/metrics`)).text)?.[1]);
    const rows = async () =>
      Number((await stack.sql<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL'))[0]!.n);
    // The order placed above wrote an order event, and its notification another row.
    await waitUntil(async () => (await rows()) >= 2 && (await published('orders')) === (await rows()), 'the relay to count the rows');
    expect(await published('notifications')).toBe(await rows());
  });
});

describe('/readyz and /healthz', () => {
  it('answers 200 with every check named when the dependencies answer', async () => {
    const gw = await get(`${base(stack.gatewayUrl)}/readyz`);
    expect(gw.status).toBe(200);
    expect(JSON.parse(gw.text)).toEqual({ status: 'ready', checks: { listening: 'ok', supergraph: 'ok', redis: 'ok' }, failing: [] });
    const notifications = JSON.parse((await get(`${base(stack.subgraphUrls.notifications)}/readyz`)).text);
    expect(notifications).toEqual({
      status: 'ready',
      checks: { database: 'ok', redis: 'ok', 'outbox-relay': 'ok', 'consumer orders/notifications': 'ok' },
      failing: [],
    });
    expect((await get(`${base(stack.subgraphUrls.catalog)}/healthz`)).status).toBe(200);
  });

  it('names the database when the app role cannot reach it (subgraph 503), and recovers', async () => {
    const dbName = new URL(stack.databaseUrl).pathname.slice(1);
    const admin = new Client({ connectionString: stack.databaseUrl });
    await admin.connect();
    try {
      await admin.query(`REVOKE CONNECT ON DATABASE "${dbName}" FROM PUBLIC`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = 'supergraph_app'", [
        dbName,
      ]);
      const res = await get(`${base(stack.subgraphUrls.catalog)}/readyz`);
      expect(res.status).toBe(503);
      const body = JSON.parse(res.text);
      expect(body.status).toBe('not ready');
      expect(body.failing).toEqual(['database']);
      expect(body.checks.database).toMatch(/^failed: /);
    } finally {
      await admin.query(`GRANT CONNECT ON DATABASE "${dbName}" TO PUBLIC`);
      await admin.end();
    }
    await waitUntil(async () => (await get(`${base(stack.subgraphUrls.catalog)}/readyz`)).status === 200, 'the catalog to be ready again');
  });
});

describe('outbox relay process (RELAY_PORT)', () => {
  let redis: RedisServer;
  let relay: ChildHandle;
  let port: number;
  afterAll(async () => {
    await relay?.kill('SIGTERM');
    await redis?.stop();
  });

  it('serves /healthz, /readyz and /metrics; /readyz names Redis while it is stopped; SIGTERM exits 0 without connection errors', async () => {
    redis = await startRedisServer();
    port = await freePort();
    relay = spawnTsx('apps/relay.main.ts', {
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: redis.url,
      RELAY_PORT: String(port),
      LOG_LEVEL: 'info',
    });
    await waitUntil(() => relay.output().includes('relay ready'), 'the relay', 30_000);
    const url = `http://127.0.0.1:${port}`;
    expect((await get(`${url}/healthz`)).status).toBe(200);
    const ready = await get(`${url}/readyz`);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', 'outbox-relay': 'ok' }, failing: [] });
    const metrics = names((await get(`${url}/metrics`)).text);
    for (const n of [...OUTBOX_METRICS, 'supergraph_db_pool_connections', 'process_cpu_user_seconds_total']) expect(metrics).toContain(n);
    await redis.stop();
    const down = await get(`${url}/readyz`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text).failing).toEqual(['redis']);
    await redis.restart();
    await waitUntil(async () => (await get(`${url}/readyz`)).status === 200, 'the relay to be ready again', 20_000, 200);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toEqual({ code: 0, signal: null });
    expect(relay.output()).not.toMatch(/"level":(40|50)/);
  });
});

describe('shutdown', () => {
  it('turns the gateway unready (draining) before it drains', async () => {
    const other = await startTestStack({ config: (c) => ({ ...c, observability: { ...c.observability, drainDelayMs: 400 } }) });
    const url = `${base(other.gatewayUrl)}/readyz`;
    expect((await get(url)).status).toBe(200);
    const stopping = other.stop();
    await waitUntil(async () => (await get(url)).status === 503, 'readiness to turn false', 2000, 20);
    expect(JSON.parse((await get(url)).text).status).toBe('draining');
    await stopping;
  });
});
