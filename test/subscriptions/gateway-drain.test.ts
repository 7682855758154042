/**
 * A gateway that stops with subscription executions queued: it starts no execution once draining
 * began, and closes every socket with 1012 "Service Restart", which the graphql-ws client treats as
 * retryable (it reconnects, to another replica behind a load balancer, and resumes from its cursor).
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { subscriptionMetrics } from '../../gateway/subscriptions/shared-executor';
import { CLOSE_SERVICE_RESTART } from '../../gateway/subscriptions/websocket-drain';
import { waitUntil } from '../support/processes';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

describe('gateway shutdown with live subscriptions', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // One execution at a time, so the executions of one event queue up.
    stack = await startTestStack({ eventLog: 'memory', subscriptions: { maxConcurrentExecutions: 1 } });
  });
  afterAll(() => stack.stop());

  it('starts no queued execution once draining began, and closes the sockets with 1012, which graphql-ws retries', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const retried: number[] = [];
    const closed: number[] = [];
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${staff}` },
      retryAttempts: 1,
      // graphql-ws asks only for retryable closes (its fatal 44xx codes end the client at once);
      // the answer is recorded and no reconnect is made here, since the gateway is gone.
      shouldRetry: (event) => {
        retried.push((event as { code?: number }).code ?? -1);
        return false;
      },
      on: { closed: (event) => closed.push((event as { code: number }).code) },
    });
    // Twenty distinct documents: twenty executions per event, one at a time.
    const probes = Array.from({ length: 20 }, (_, i) => subscribe(client, `subscription S${i} { orderUpdated { id n${i}: number } }`));
    await stack.waitForLiveSubscriptions(20);
    const before = subscriptionMetrics.executions;
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0015'");
    await stack.placeOrder(owner, p!.id);
    await waitUntil(() => subscriptionMetrics.executions > before, 'the first execution of the event');

    const stopping = stack.gateway.stop(); // draining begins before its first await
    const atDrain = subscriptionMetrics.executions;
    await stopping;
    // The running execution may finish; none of the queued ones starts.
    expect(subscriptionMetrics.executions - atDrain).toBeLessThanOrEqual(0);
    expect(atDrain - before).toBeLessThan(20);
    await waitUntil(() => closed.length > 0, 'the socket to close');
    expect(closed[0]).toBe(CLOSE_SERVICE_RESTART);
    expect(retried.length).toBeGreaterThan(0);
    expect(new Set(retried)).toEqual(new Set([CLOSE_SERVICE_RESTART]));
    for (const probe of probes) probe.unsubscribe();
    await client.dispose();
  });
});
