/**
 * Bounded planning through the real gateway: new documents are planned in a worker thread, so the
 * event loop keeps answering while a heavy document (within the document limits) is planned; a
 * document whose planning passes the deadline is refused with `QUERY_PLANNING_TIMEOUT` on HTTP and
 * WebSocket; planned documents run normally (the plan cached by the worker is the one executed); the
 * worker ends when idle and starts again for the next new document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryPlanner } from '@apollo/query-planner';
import { QueryPlanning, queryPlanKey } from '../../gateway/planning/query-planning';
import { createLogger } from '../../lib/logger';
import { waitUntil } from '../support/processes';
import { startTestStack, type TestStack } from '../support/test-stack';
import { wsCodes, wsOperation } from '../support/ws-operation';

const ORDER =
  'id number status total { amount } placedBy { name tenant { plan { name } } } lines { quantity product { name price { amount } } }';
/** 14 root fields, 14 aliases, 280 fields, every subgraph: about 100 ms of planning here, within every default limit. */
const heavy = (salt: string) =>
  `query Heavy${salt} { ${Array.from({ length: 14 }, (_, i) =>
    i % 2
      ? `n${i}: notifications(first: 1) { edges { node { id order { ${ORDER} } } } }`
      : `o${i}: orders(first: 1) { edges { node { ${ORDER} } } }`,
  ).join(' ')} }`;

describe('bounded query planning', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  it('plans a heavy new document off the event loop: the gateway does not plan it, /healthz answers before it, its result is right', async () => {
    // The first request also reads the tenant's plan (a small query the gateway plans itself, once).
    expect((await stack.gql('{ tenant { slug } }', {}, { token })).status).toBe(200);
    const onLoop = jest.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    let answer = '';
    const graphql = stack.gql<Record<string, { edges: unknown[] }>>(heavy('A'), {}, { token }).then((r) => {
      answer ||= 'graphql';
      return r;
    });
    const health = fetch(stack.gatewayUrl.replace('/graphql', '/healthz')).then((r) => {
      answer ||= 'healthz';
      return r;
    });
    const [res, h] = await Promise.all([graphql, health]);
    expect(h.status).toBe(200);
    expect(answer).toBe('healthz');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.o0!.edges).toHaveLength(1);
    expect(onLoop).not.toHaveBeenCalled(); // planned in the worker; the gateway found the plan in its cache
    onLoop.mockRestore();
  });

  it('refuses a document whose planning passes the deadline with QUERY_PLANNING_TIMEOUT (HTTP 400 and WebSocket)', async () => {
    // A deadline of 80 ms, and 56 root fields past the document limits (raised here): about 200 ms of planning in a fresh worker.
    const strict = await startTestStack({
      eventLog: 'memory',
      config: (c) => ({
        ...c,
        admission: {
          ...c.admission,
          planningTimeoutMs: 80,
          user: { requestsPerMinute: 100_000, costPerMinute: 100_000_000 },
          limits: {
            ...c.admission.limits,
            maxFields: 100_000,
            maxRootFields: 100,
            maxAliases: 100,
            maxTokens: 100_000,
            maxCost: 1_000_000,
          },
        },
      }),
    });
    const huge = (salt: string) =>
      heavy(salt).replace(
        /^query (\w+) \{ (.*) \}$/,
        (_m, name: string, body: string) =>
          `query ${name} { ${body} ${body.replace(/([on])(\d+):/g, '$1x$2:')} ${body.replace(/([on])(\d+):/g, '$1y$2:')} ${body.replace(/([on])(\d+):/g, '$1z$2:')} }`,
      );
    await strict.sql("UPDATE tenants SET plan = 'enterprise'"); // two of these per second fit its budget
    try {
      const t = await strict.token({ tenant: 'acme', user: 'owner@acme.test' });
      const http = await strict.gql(huge('B'), {}, { token: t });
      expect(http.status).toBe(400);
      expect(http.body.errors![0]!.extensions).toEqual({ code: 'QUERY_PLANNING_TIMEOUT' });
      expect(wsCodes(await wsOperation(strict.wsClient(t), huge('C')))).toEqual(['QUERY_PLANNING_TIMEOUT']);
      // The worker was replaced: small documents still plan and run.
      expect((await strict.gql('{ tenant { slug } }', {}, { token: t })).body).toEqual({ data: { tenant: { slug: 'acme' } } });
    } finally {
      await strict.stop();
    }
  });
});

describe('QueryPlanning', () => {
  it('ends its worker once no document waited for idleMs, and starts it again for the next new document', async () => {
    const supergraphSdl = readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
    const planning = new QueryPlanning({ supergraphSdl, logger: createLogger('test', 'silent'), idleMs: 200 });
    try {
      expect(planning.workerRunning).toBe(false);
      expect(await planning.planAhead('acme', '{ tenant { slug } }')).toBeUndefined();
      expect(planning.workerRunning).toBe(true);
      expect(await planning.cache.get(queryPlanKey('{ tenant { slug } }'))).toMatchObject({ kind: 'QueryPlan' });

      await waitUntil(() => !planning.workerRunning, 'the idle worker to end', 5_000);
      expect(await planning.planAhead('acme', 'query Name { tenant { name } }', 'Name')).toBeUndefined();
      expect(await planning.cache.get(queryPlanKey('query Name { tenant { name } }', 'Name'))).toMatchObject({ kind: 'QueryPlan' });
      expect(planning.workerRunning).toBe(true);
    } finally {
      planning.close();
    }
    expect(planning.workerRunning).toBe(false);
  });
});
