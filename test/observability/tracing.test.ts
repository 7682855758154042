/**
 * Traces through real processes' code paths, collected with the SDK's in-memory exporter: one
 * trace per client operation from the gateway through every subgraph fetch into the resolvers and
 * Prisma's SQL spans; and the event path continuing the trace of `placeOrder`: outbox publish ->
 * notifications consumer -> its own outbox publish -> subscription delivery.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { installTracing } from '../../lib/observability/tracing';
import { waitUntil } from '../support/processes';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const exporter = new InMemorySpanExporter();
installTracing([new SimpleSpanProcessor({ exporter })], 'test');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const children = (spans: ReadableSpan[], s: ReadableSpan) => spans.filter((c) => parentOf(c) === s.spanContext().spanId);

describe('tracing', () => {
  it('makes one trace of a federated query: gateway -> subgraph fetches (traceparent) -> subgraph server -> resolvers -> SQL', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    exporter.reset();
    const res = await stack.gql(
      // `description` is not among the product fields orders provide, so the catalog is fetched too.
      'query Dash { me { email } orders(first: 2) { edges { node { number placedBy { email } lines { product { name description } } } } } }',
      {},
      { token, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
    );
    expect(res.body.errors).toBeUndefined();
    await waitUntil(() => exporter.getFinishedSpans().some((s) => s.name === 'gateway query Dash'), 'the gateway span');
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === '0af7651916cd43dd8448eb211c80319c');
    const root = spans.find((s) => s.name === 'gateway query Dash')!;
    expect(parentOf(root)).toBe('b7ad6b7169203331'); // the client's traceparent
    const fetches = spans.filter((s) => s.name.startsWith('subgraph fetch '));
    expect(new Set(fetches.map((s) => s.name))).toEqual(
      new Set(['subgraph fetch tenant', 'subgraph fetch orders', 'subgraph fetch catalog']),
    );
    for (const fetch of fetches) {
      // every fetch is under the operation's span, and the subgraph's server span is its child (W3C traceparent)
      let up: ReadableSpan | undefined = fetch;
      while (up && up !== root) up = spans.find((s) => s.spanContext().spanId === parentOf(up!));
      expect(up).toBe(root);
      const server = children(spans, fetch).find((s) => s.name.startsWith('subgraph '))!;
      expect(server.name).toMatch(/^subgraph (tenant|orders|catalog) query /);
    }
    const ordersResolver = spans.find((s) => s.name === 'orders Query.orders')!;
    expect(spans.find((s) => s.spanContext().spanId === parentOf(ordersResolver))!.name).toMatch(/^subgraph orders query/);
    const sql = spans.filter((s) => s.name === 'prisma:client:db_query' || s.name.startsWith('prisma:'));
    expect(sql.length).toBeGreaterThan(0);
    expect(
      spans.filter((s) => s.name.startsWith('prisma:') && parentOf(s) && !spans.some((p) => p.spanContext().spanId === parentOf(s))),
    ).toEqual([]);
  });

  it('continues the trace of placeOrder through the outbox relay, the notifications consumer and the subscription delivery', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [product] = await stack.sql<{ id: string }>(
      "SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'acme' LIMIT 1",
    );
    const probe = subscribe(stack.wsClient(token), 'subscription { notificationAdded { title } }');
    await stack.waitForLiveSubscriptions(1);
    exporter.reset();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await stack.gql(
      'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { lines: [{ productId: product!.id, quantity: 1 }] } },
      { token, headers: { traceparent } },
    );
    expect(res.body.errors).toBeUndefined();
    await probe.waitFor(1);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await waitUntil(
      () => exporter.getFinishedSpans().some((s) => s.name === 'subscription execute notifications' && s.spanContext().traceId === traceId),
      'the delivery span',
    );
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const byId = (id: string | undefined) => spans.find((s) => s.spanContext().spanId === id);
    const place = byName('orders Mutation.placeOrder')[0]!;
    const publishOrder = byName('outbox publish orders')[0]!;
    const consume = byName('consume order.placed')[0]!;
    const publishNotification = byName('outbox publish notifications')[0]!;
    const deliver = byName('subscription execute notifications')[0]!;
    // publish of the order event: a child of the placeOrder write (the outbox row's traceparent)
    let up = byId(parentOf(publishOrder));
    while (up && up !== place) up = byId(parentOf(up));
    expect(up).toBe(place);
    expect(parentOf(consume)).toBe(publishOrder.spanContext().spanId);
    up = byId(parentOf(publishNotification));
    while (up && up !== consume) up = byId(parentOf(up));
    expect(up).toBe(consume);
    expect(parentOf(deliver)).toBe(publishNotification.spanContext().spanId);
    // the delivery's subgraph fetches are under the delivery span
    expect(spans.some((s) => s.name === 'subgraph fetch notifications' && byId(parentOf(s)) === deliver)).toBe(true);
    probe.unsubscribe();
  });

  it('ignores a malformed traceparent (new trace)', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    exporter.reset();
    await stack.gql(
      'query Me { me { email } }',
      {},
      { token, headers: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' } },
    );
    await waitUntil(() => exporter.getFinishedSpans().some((s) => s.name === 'gateway query Me'), 'the gateway span');
    const root = exporter.getFinishedSpans().find((s) => s.name === 'gateway query Me')!;
    expect(root.parentSpanContext).toBeUndefined();
  });
});
