/**
 * Budgets over time and caps through the real gateway: the tenant's cost budget (its plan) and the
 * user's request rate answer HTTP 429 with `Retry-After` and `RATE_LIMITED`, operations over
 * graphql-ws spend the same budgets, two gateway replicas share them through Redis, and sockets and
 * subscriptions are capped per user (close code 4429 / `RATE_LIMITED`).
 */
import { gatewayOptions } from '../../apps/gateway-options';
import { startGateway, type GatewayService } from '../../gateway/gateway.server';
import { createLogger } from '../../lib/logger';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';
import { wsCodes, wsOperation } from '../support/ws-operation';

/** Static cost 1 + 100 x (edge 1 + order 1 + 10 x (line 1 + product 1)) = 2,201. */
const COSTLY = '{ orders(first: 100) { edges { node { lines { product { name } } } } } }';

describe('rate limits and caps', () => {
  let stack: TestStack;
  let second: GatewayService;
  /** A replica whose users may send 12 operations per minute (its counters are its own: other sizes). */
  let tight: GatewayService;
  let globexOwner: string;

  beforeAll(async () => {
    stack = await startTestStack({
      eventLog: 'redis',
      budgets: 'as-configured',
      config: (c) => ({
        ...c,
        admission: {
          ...c.admission,
          user: { requestsPerMinute: 6_000, costPerMinute: 1_000_000 },
          caps: { socketsPerTenant: 100, socketsPerUser: 2, subscriptionsPerTenant: 100, subscriptionsPerUser: 2 },
        },
      }),
    });
    // globex on the free plan (12,000 cost points per minute), read on its first request.
    await stack.sql("UPDATE tenants SET plan = 'free' WHERE slug = 'globex'");
    globexOwner = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    second = await startGateway({
      ...gatewayOptions(stack.config),
      subgraphUrls: stack.subgraphUrls,
      eventStreams: stack.eventLog.streams,
      logger: createLogger('test', 'silent'),
      port: 0,
    });
    const options = gatewayOptions(stack.config);
    tight = await startGateway({
      ...options,
      admission: { ...options.admission, user: { requestsPerMinute: 12, costPerMinute: 1_000_000 } },
      subgraphUrls: stack.subgraphUrls,
      eventStreams: stack.eventLog.streams,
      logger: createLogger('test', 'silent'),
      port: 0,
    });
  });
  afterAll(async () => {
    await second.stop();
    await tight.stop();
    await stack.stop();
  });

  it("charges the tenant's cost budget of its plan, shared by two replicas through Redis; then 429, Retry-After, RATE_LIMITED on HTTP and WebSocket", async () => {
    const gateways = [stack.gatewayUrl, second.url];
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await fetch(gateways[i % 2]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${globexOwner}` },
        body: JSON.stringify({ query: COSTLY }),
      });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.text();
      // A new one-second window each time (1/30 of the minute: 400 points): the minute's budget decides.
      await new Promise((r) => setTimeout(r, 1_050));
    }
    // 5 x 2,201 = 11,005 fit in 12,000; the 6th would make 13,206.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const retryAfter = Number(refused!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused!.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(body.errors[0]!.extensions).toEqual({ code: 'RATE_LIMITED', budget: 'tenant-cost', retryAfter });
    expect(wsCodes(await wsOperation(stack.wsClient(globexOwner), COSTLY))).toEqual(['RATE_LIMITED']);
    // Another tenant is not affected.
    const acme = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    expect((await stack.gql(COSTLY, {}, { token: acme })).status).toBe(200);
  });

  it("refuses a user's burst beyond its request rate (per-second share of 12 per minute: 1) on HTTP and over the socket", async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => stack.post<unknown>(tight.url, { query: '{ tenant { id } }' }, { authorization: `Bearer ${staff}` })),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    const budgets = limited.map((r) => r.body.errors![0]!.extensions);
    expect(budgets).toContainEqual(expect.objectContaining({ code: 'RATE_LIMITED', budget: 'user-requests' }));
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const client = createClient({
      url: tight.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${staff}` },
      retryAttempts: 0,
    });
    const ws = await Promise.all(Array.from({ length: 3 }, () => wsOperation(client, '{ tenant { id } }')));
    await client.dispose();
    expect(ws.flatMap(wsCodes)).toContain('RATE_LIMITED');
  });

  it('caps sockets per user: the connection beyond the cap is closed with 4429, and a freed place is reusable', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test', scope: 'orders:write' });
    const a = stack.wsClient(token);
    const b = stack.wsClient(token);
    const live = [subscribe(a, 'subscription { orderUpdated { id } }'), subscribe(b, 'subscription { orderUpdated { id } }')];
    await stack.waitForLiveSubscriptions(2);
    const third = subscribe(stack.wsClient(token), 'subscription { orderUpdated { id } }');
    expect(await third.ended).toMatchObject({ code: 4429, reason: 'Too many sockets' });
    await a.dispose();
    await stack.waitForLiveSubscriptions(1);
    const again = subscribe(stack.wsClient(token), 'subscription { orderUpdated { id } }');
    await stack.waitForLiveSubscriptions(2);
    for (const p of [...live, again]) p.unsubscribe();
    await stack.waitForLiveSubscriptions(0);
  });

  it('caps subscriptions per user: the one beyond the cap is refused with RATE_LIMITED', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test', scope: 'catalog:write' });
    const client = stack.wsClient(token);
    const live = [
      subscribe(client, 'subscription { orderUpdated { id } }'),
      subscribe(client, 'subscription { notificationAdded { id } }'),
    ];
    await stack.waitForLiveSubscriptions(2);
    const refused = subscribe(client, 'subscription { orderUpdated { status } }');
    expect(await refused.ended).toEqual([
      {
        message: 'This user holds 2 subscriptions already, the most allowed.',
        extensions: { code: 'RATE_LIMITED', budget: 'user-subscriptions', retryAfter: 5 },
      },
    ]);
    live[0]!.unsubscribe();
    await stack.waitForLiveSubscriptions(1);
    const next = subscribe(client, 'subscription { orderUpdated { status } }');
    await stack.waitForLiveSubscriptions(2);
    for (const p of [live[1]!, next]) p.unsubscribe();
    await stack.waitForLiveSubscriptions(0);
  });
});
