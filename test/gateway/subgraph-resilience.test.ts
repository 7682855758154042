/**
 * Resilient subgraph calls (gateway/subgraph-resilience.ts) against a real catalog subgraph
 * process: hung (SIGSTOP), slow and flapping (through test/support/chaos-proxy.ts) and dead
 * (SIGKILL). A gateway with short deadlines serves the real tenant subgraph next to it, so partial
 * results can be checked: the tenant's fields arrive, the catalog's field is null with a masked
 * error at its path.
 */
import { randomBytes } from 'node:crypto';
import { startGateway, type GatewayService } from '../../gateway/gateway.server';
import { mintDevToken } from '../../lib/auth/dev-token';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { startChaosProxy, type ChaosProxy } from '../support/chaos-proxy';
import { spawnTsx, waitUntil, type ChildHandle } from '../support/processes';
import { freePort } from '../support/redis-server';
import { startTestStack, type TestStack } from '../support/test-stack';

const QUERY = 'query Partial($id: ID!) { tenant { name } product(id: $id) { name } }';
const DEADLINE_MS = 1000;

let stack: TestStack;
let catalog: ChildHandle;
let catalogPort: number;
let proxy: ChaosProxy;
let gateway: GatewayService;
let token: string;
let productId: string;
const secret = randomBytes(32).toString('hex');

async function startCatalog(): Promise<ChildHandle> {
  const child = spawnTsx(
    'apps/subgraph.main.ts',
    {
      DATABASE_URL: stack.databaseUrl,
      INTERNAL_JWT_SECRET: secret,
      CATALOG_PORT: String(catalogPort),
      MIGRATE_ON_START: 'false',
      REDIS_URL: process.env.TEST_REDIS_URL!,
    },
    ['catalog'],
  );
  await waitUntil(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${catalogPort}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    'the catalog subgraph process',
    30_000,
    100,
  );
  return child;
}

async function ask(): Promise<{
  ms: number;
  body: {
    data?: { tenant?: { name: string }; product?: { name: string } | null };
    errors?: Array<{ path?: unknown[]; message: string; extensions?: { code?: string } }>;
  };
}> {
  const started = Date.now();
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { id: productId } }),
  });
  return { ms: Date.now() - started, body: (await res.json()) as never };
}

async function metric(name: string): Promise<number> {
  const text = (await gateway.observability.metrics.exposition()).body;
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

function expectPartial(body: Awaited<ReturnType<typeof ask>>['body']): void {
  expect(body.data?.tenant?.name).toBe('Acme Corporation');
  expect(body.data?.product).toBeNull();
  expect(body.errors).toEqual([{ message: 'Internal server error.', path: ['product'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
}

beforeAll(async () => {
  stack = await startTestStack({ config: (c) => ({ ...c, internalSecret: secret }) });
  catalogPort = await freePort();
  catalog = await startCatalog();
  proxy = await startChaosProxy(`http://127.0.0.1:${catalogPort}/graphql`);
  const config = loadConfig({ NODE_ENV: 'test' });
  gateway = await startGateway({
    jwt: config.jwt,
    internalSecret: secret,
    eventStreams: stack.eventLog.streams,
    logger: createLogger('resilience-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    port: 0,
    subgraphUrls: { ...stack.subgraphUrls, catalog: proxy.url },
    resilience: { default: { deadlineMs: DEADLINE_MS, maxAttempts: 3, breakerThreshold: 3, breakerHalfOpenMs: 1500 } },
  });
  token = await mintDevToken({ tenant: 'acme', user: 'owner@acme.test' });
  const [row] = await stack.sql<{ id: string }>(
    "SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'acme' LIMIT 1",
  );
  productId = row!.id;
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await catalog?.kill();
  await stack?.stop();
});

describe('subgraph fetches', () => {
  it('answers normally through the resilient fetcher', async () => {
    const { body } = await ask();
    expect(body.errors).toBeUndefined();
    expect(body.data?.product?.name).toEqual(expect.any(String));
  });

  it("sends the subgraph only the content type, the gateway credential and the request id, none of the client's headers", async () => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-tenant-id': '00000000-0000-4000-8000-000000000001',
        'x-user-id': 'someone-else',
        cookie: 'session=client',
        'x-request-id': 'client-chosen-id',
      },
      body: JSON.stringify({ query: QUERY, variables: { id: productId } }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const headers = proxy.lastHeaders;
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'connection', 'content-length', 'content-type', 'host', 'x-request-id']);
    expect(headers['content-type']).toBe('application/json');
    expect(headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(headers.authorization).not.toBe(`Bearer ${token}`);
    expect(headers['x-request-id']).toBe(res.headers.get('x-request-id'));
  });

  it('waits for a slow subgraph within the deadline, and gives up at the deadline with partial results', async () => {
    proxy.mode = { kind: 'slow', delayMs: 300 };
    const ok = await ask();
    expect(ok.body.data?.product?.name).toEqual(expect.any(String));
    expect(ok.ms).toBeGreaterThanOrEqual(300);
    proxy.mode = { kind: 'slow', delayMs: DEADLINE_MS + 1500 };
    const timeoutsBefore = await metric('supergraph_subgraph_fetch_timeouts_total{subgraph="catalog"}');
    const late = await ask();
    expectPartial(late.body);
    expect(late.ms).toBeLessThan(DEADLINE_MS + 1000);
    expect(await metric('supergraph_subgraph_fetch_timeouts_total{subgraph="catalog"}')).toBe(timeoutsBefore + 1);
    proxy.mode = { kind: 'pass' };
    await new Promise((r) => setTimeout(r, 1600)); // let the slow upstream calls finish before the next test
  });

  it('retries queries on a flapping subgraph (503 every other request) and never retries a mutation', async () => {
    proxy.mode = { kind: 'flapping' };
    const retriesBefore = await metric('supergraph_subgraph_fetch_retries_total{subgraph="catalog"}');
    for (let i = 0; i < 4; i++) {
      const { body } = await ask();
      expect(body.errors).toBeUndefined();
      expect(body.data?.product?.name).toEqual(expect.any(String));
    }
    expect(await metric('supergraph_subgraph_fetch_retries_total{subgraph="catalog"}')).toBeGreaterThan(retriesBefore);
    const writer = await mintDevToken({ tenant: 'acme', user: 'owner@acme.test' });
    const results: Array<{ errors?: unknown[] }> = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` },
        body: JSON.stringify({
          query: 'mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { stock } }',
          variables: { id: productId, input: { stock: 40 + i } },
        }),
      });
      results.push((await res.json()) as { errors?: unknown[] });
    }
    // One of the two mutations met a 503: it failed and was not sent again.
    expect(results.filter((r) => r.errors).length).toBe(1);
    expect(proxy.counts.mutationsForwarded).toBe(1);
    proxy.mode = { kind: 'pass' };
  });

  it('answers within the deadline while the subgraph process hangs (SIGSTOP), opens the circuit, fails fast, and closes it after a good probe', async () => {
    catalog.child.kill('SIGSTOP');
    try {
      for (let i = 0; i < 3; i++) {
        const { body, ms } = await ask();
        expectPartial(body);
        expect(ms).toBeLessThan(DEADLINE_MS + 1000);
      }
      await waitUntil(
        async () => (await metric('supergraph_subgraph_circuit_breaker_state{subgraph="catalog"}')) === 2,
        'the circuit to open',
        5000,
      );
      const fast = await ask();
      expectPartial(fast.body);
      expect(fast.ms).toBeLessThan(DEADLINE_MS / 2); // an open circuit answers at once, not at the deadline
    } finally {
      catalog.child.kill('SIGCONT');
    }
    await waitUntil(async () => (await ask()).body.data?.product != null, 'the half-open probe to close the circuit', 10_000, 200);
    expect(await metric('supergraph_subgraph_circuit_breaker_state{subgraph="catalog"}')).toBe(0);
  });

  it('fails fast with partial results when the subgraph process is dead (SIGKILL)', async () => {
    // From a closed circuit, whatever the test before left: the failure must come from the dead process.
    await waitUntil(async () => (await ask()).body.data?.product != null, 'the circuit to be closed', 10_000, 200);
    await catalog.kill('SIGKILL');
    const { body, ms } = await ask();
    expectPartial(body);
    expect(ms).toBeLessThan(DEADLINE_MS);
    expect(await metric('supergraph_subgraph_fetch_errors_total{subgraph="catalog",reason="network"}')).toBeGreaterThan(0);
    catalog = await startCatalog();
  });
});
