/**
 * The connection budget of a process (DB_CONNECTION_BUDGET): a burst of 60 new tenants, each with
 * requests in flight at once, plus a cold, innocent tenant, through the real gateway. Every request
 * succeeds and the app role never holds more connections than the budget: tenants beyond the open
 * pools go through the shared pool per transaction (a pool is replaced only once it has been idle).
 */
import { waitUntil } from '../support/processes';
import { appConnectionCount, sampleAppConnections, SMALL_BUDGET, withSmallConnectionBudget } from '../support/connection-sampler';
import { startTestStack, type TestStack } from '../support/test-stack';

const BUDGET = SMALL_BUDGET; // shared pool 6 + 2 tenant pools of 4
const TENANTS = 60;

describe('database connection budget', () => {
  let stack: TestStack;
  let admin: string;

  beforeAll(async () => {
    stack = await startTestStack({
      eventLog: 'memory',
      config: withSmallConnectionBudget,
    });
    admin = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
  });
  afterAll(() => stack.stop());

  it(`serves a burst of ${TENANTS} new tenants and a cold tenant without one failed request, within ${BUDGET} connections`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const res = await stack.gql<{ createTenant: { id: string } }>(
        'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }',
        { input: { slug: `burst-${i}`, name: `Burst ${i}` } },
        { token: admin },
      );
      expect(res.body.errors).toBeUndefined();
      ids.push(res.body.data!.createTenant.id);
    }
    const sampler = sampleAppConnections(stack.sql);
    const query = '{ tenant { id slug } products(first: 5) { edges { node { id } } } orders(first: 5) { edges { node { id } } } }';
    const globex = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    const requests = [
      ...ids.flatMap((id) => [1, 2, 3].map(() => stack.gql(query, {}, { token: admin, headers: { 'x-tenant-id': id } }))),
      ...Array.from({ length: 23 }, () => stack.gql(query, {}, { token: globex })),
    ];
    const results = await Promise.all(requests);
    const peak = await sampler.stop();
    const failed = results.filter((r) => r.status !== 200 || r.body.errors);
    expect(failed.map((r) => r.body.errors?.[0])).toEqual([]);
    expect(peak).toBeLessThanOrEqual(BUDGET);
    const stats = stack.database.poolStats!;
    expect(stats.evicted + stats.overflow).toBeGreaterThan(0);
    expect(stats.open).toBeLessThanOrEqual(2);
    // Idle connections close on their own; the budget holds at rest too.
    await waitUntil(async () => (await appConnectionCount(stack.sql)) <= BUDGET, 'connections within the budget');
  });
});
