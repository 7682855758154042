/**
 * Log lines of real requests through the gateway and the subgraphs: each carries the request id,
 * trace id, tenant, user and operation name, the error lines of a failing request included; one
 * access line per operation and service with its duration and outcome; no token in any line.
 */
import { Client } from 'pg';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { installTracing } from '../../lib/observability/tracing';
import { startTestStack, type TestStack } from '../support/test-stack';

installTracing([new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })], 'test');

let stack: TestStack;
const raw: string[] = [];
const lines = () => raw.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  stack = await startTestStack({ logLevel: 'info', logDestination: { write: (line) => void raw.push(line) } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('log lines of a request', () => {
  it('carry request id, trace id, tenant, user and operation name; one access line per service; no token', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    // The gateway reads a tenant's plan on its first operation (a query of its own to the tenant
    // subgraph, on the same request id); read it now so the request below has only its own lines.
    await stack.gql('{ me { id } }', {}, { token });
    raw.length = 0;
    const res = await stack.gql(
      'query Mine { me { email } products(first: 1) { edges { node { name } } } }',
      {},
      {
        token,
        headers: { 'x-request-id': 'req-log-1' },
      },
    );
    expect(res.body.errors).toBeUndefined();
    const mine = lines().filter((l) => l.requestId === 'req-log-1');
    const access = mine.filter((l) => l.access === true);
    expect(access.map((l) => l.name)).toHaveLength(3); // gateway, tenant, catalog
    for (const l of mine) {
      expect(l).toMatchObject({
        tenantId: expect.any(String),
        userId: expect.any(String),
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
    expect(new Set(mine.map((l) => l.traceId)).size).toBe(1);
    const gatewayAccess = access.find((l) => l.operationName === 'Mine')!;
    expect(gatewayAccess).toMatchObject({
      msg: 'operation',
      outcome: 'ok',
      status: 200,
      operationType: 'query',
      durationMs: expect.any(Number),
    });
    expect(raw.join('\n')).not.toContain(token);
  });

  it('puts the same fields on the error lines of a failing request (database unreachable)', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const dbName = new URL(stack.databaseUrl).pathname.slice(1);
    const admin = new Client({ connectionString: stack.databaseUrl });
    await admin.connect();
    raw.length = 0;
    try {
      await admin.query(`REVOKE CONNECT ON DATABASE "${dbName}" FROM PUBLIC`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = 'supergraph_app'", [
        dbName,
      ]);
      const res = await stack.gql(
        'query Failing { products(first: 1) { edges { node { name } } } }',
        {},
        { token, headers: { 'x-request-id': 'req-log-2' } },
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await admin.query(`GRANT CONNECT ON DATABASE "${dbName}" TO PUBLIC`);
      await admin.end();
    }
    const errors = lines().filter((l) => (l.level as number) >= 50);
    expect(errors.length).toBeGreaterThan(0);
    for (const l of errors) {
      expect(l).toMatchObject({
        requestId: 'req-log-2',
        tenantId: expect.any(String),
        userId: expect.any(String),
        operationName: expect.stringMatching(/^Failing/),
        traceId: expect.any(String),
      });
    }
    const access = lines().filter((l) => l.requestId === 'req-log-2' && l.access === true);
    expect(access.map((l) => l.outcome)).toEqual(['error', 'error']);
  });
});
