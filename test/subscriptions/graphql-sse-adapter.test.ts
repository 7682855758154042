/**
 * GraphQL over SSE (graphql-sse protocol, distinct connections mode) through the real gateway, on
 * Redis: authentication, queries, subscriptions whose event ids are stream cursors, a reconnect with
 * `Last-Event-ID` resuming exactly like `after:`, an expired cursor, the graphql-sse package's own
 * client, and the admission pipeline (document limits, subscription caps) as on the other transports.
 */
import { createClient } from 'graphql-sse';
import { openSse, type SseEvent } from '../support/sse-client';
import { startTestStack, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription { orderUpdated { id number status } }';

interface OrderMessage {
  data: { orderUpdated: { id: string } };
  extensions: { cursor: string };
}

describe('GraphQL over SSE', () => {
  let stack: TestStack;
  let owner: string;
  let productId: string;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0012'");
    productId = p!.id;
  });
  afterAll(() => stack.stop());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    openSse(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}`, ...headers },
      body: JSON.stringify(body),
    });
  const orderIds = (events: SseEvent[]) =>
    events.filter((e) => e.event === 'next').map((e) => (e.data as OrderMessage).data.orderUpdated.id);

  it('refuses a request without a token with 401, WWW-Authenticate: Bearer and UNAUTHENTICATED', async () => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: ORDER_UPDATED }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="graphql"');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('answers a query (GET) with one next event and complete', async () => {
    const url = `${stack.gatewayUrl}?query=${encodeURIComponent('{ me { email } }')}`;
    const stream = await openSse(url, { headers: { authorization: `Bearer ${owner}` } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.ended;
    expect(stream.events).toEqual([
      { event: 'next', data: { data: { me: { email: 'owner@acme.test' } } } },
      { event: 'complete', data: null },
    ]);
  });

  it('refuses a mutation over GET with 405', async () => {
    const url = `${stack.gatewayUrl}?query=${encodeURIComponent('mutation { markNotificationRead(id: "x") { id } }')}`;
    const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${owner}` } });
    expect(res.status).toBe(405);
  });

  it('reports a validation error in the stream (next with errors, then complete)', async () => {
    const stream = await post({ query: 'subscription { orderUpdated { nope } }' });
    await stream.ended;
    expect(stream.events[0]).toMatchObject({ event: 'next', data: { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } });
    expect(stream.events[1]).toEqual({ event: 'complete', data: null });
  });

  it('passes the admission pipeline: a document over a limit is refused in the stream with its code, before anything runs', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ');
    const stream = await post({ query: `{ me { ${aliases} } }` });
    await stream.ended;
    expect(stream.events).toEqual([
      {
        event: 'next',
        data: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'MAX_ALIASES_LIMIT' }) })] },
      },
      { event: 'complete', data: null },
    ]);
  });

  it('streams each order update with its stream cursor as the event id, and resumes with Last-Event-ID exactly like after:', async () => {
    const first = await post({ query: ORDER_UPDATED });
    await stack.waitForLiveSubscriptions(1);
    const placed = [await stack.placeOrder(owner, productId), await stack.placeOrder(owner, productId)];
    const received = await first.waitFor(2);
    expect(orderIds(received)).toEqual(placed.map((o) => o.id));
    for (const e of received) expect(e.id).toBe((e.data as OrderMessage).extensions.cursor);
    first.close();
    await stack.waitForLiveSubscriptions(0);

    // Missed while disconnected:
    const missed = [await stack.placeOrder(owner, productId), await stack.placeOrder(owner, productId)];
    const resumed = await post({ query: ORDER_UPDATED }, { 'last-event-id': received[1]!.id! });
    await resumed.waitFor(2);
    await stack.waitForLiveSubscriptions(1);
    const live = [await stack.placeOrder(owner, productId), await stack.placeOrder(owner, productId)];
    // Events arrive in stream order, so a duplicate of a replayed or live one would show before the last.
    const events = await resumed.waitFor(4);
    expect(orderIds(events)).toEqual([...missed, ...live].map((o) => o.id));
    resumed.close();
    await stack.waitForLiveSubscriptions(0);
  });

  it('answers CURSOR_EXPIRED for a Last-Event-ID the stream did not issue', async () => {
    const stream = await post({ query: ORDER_UPDATED }, { 'last-event-id': `${Date.now() + 86_400_000}-0` });
    await stream.ended;
    expect(stream.events[0]).toMatchObject({
      event: 'next',
      data: { errors: [{ extensions: { code: 'CURSOR_EXPIRED', field: 'Last-Event-ID' } }] },
    });
    expect(stream.events[1]).toEqual({ event: 'complete', data: null });
  });

  it("works with the graphql-sse package's client (distinct connections mode)", async () => {
    const client = createClient({ url: stack.gatewayUrl, headers: { authorization: `Bearer ${owner}` }, retryAttempts: 0 });
    try {
      const iterator = client.iterate<{ orderUpdated: { id: string } }>({ query: ORDER_UPDATED });
      const next = iterator.next();
      await stack.waitForLiveSubscriptions(1);
      const order = await stack.placeOrder(owner, productId);
      const { value } = await next;
      expect(value?.data?.orderUpdated.id).toBe(order.id);
      await iterator.return?.();
      await stack.waitForLiveSubscriptions(0);
    } finally {
      client.dispose();
    }
  });
});

describe('GraphQL over SSE: subscription caps', () => {
  let stack: TestStack;
  let owner: string;

  beforeAll(async () => {
    stack = await startTestStack({
      eventLog: 'redis',
      config: (c) => ({ ...c, admission: { ...c.admission, caps: { ...c.admission.caps, subscriptionsPerUser: 1 } } }),
    });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  const open = () =>
    openSse(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ query: ORDER_UPDATED }),
    });

  it("refuses a stream beyond the user's subscription cap with RATE_LIMITED, and frees the place when a stream closes", async () => {
    const first = await open();
    await stack.waitForLiveSubscriptions(1);
    const refused = await open();
    await refused.ended;
    expect(refused.events).toEqual([
      {
        event: 'next',
        data: {
          errors: [
            expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', budget: 'user-subscriptions' }) }),
          ],
        },
      },
      { event: 'complete', data: null },
    ]);
    first.close();
    await stack.waitForLiveSubscriptions(0);
    const again = await open();
    await stack.waitForLiveSubscriptions(1);
    again.close();
  });
});
