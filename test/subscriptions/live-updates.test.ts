import { Redis } from 'ioredis';
import { streamKey } from '../../lib/events/domain-event';
import { waitForOutboxDrained } from '../support/event-waits';
import { startTestStack, subscribe, sleep, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = /* GraphQL */ `
  subscription ($id: ID, $after: String) {
    orderUpdated(id: $id, after: $after) {
      id
      number
      status
      placedBy {
        email
      }
      lines {
        quantity
        product {
          name
        }
      }
    }
  }
`;
const NOTIFICATION_ADDED = 'subscription { notificationAdded { id title read order { id number status } } }';
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }';
const STATUS = 'mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status } }';

interface OrderMessage {
  orderUpdated: {
    id: string;
    number: string;
    status: string;
    placedBy: { email: string };
    lines: Array<{ quantity: number; product: { name: string } }>;
  };
}

describe('live updates: outbox -> Redis Stream -> notifications consumer -> graphql-ws', () => {
  let stack: TestStack;
  let acmeOwner: string;
  let acmeStaff: string;
  let globexOwner: string;
  let productId: string;
  let productName: string;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
    acmeOwner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    acmeStaff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    globexOwner = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    const [p] = await stack.sql<{ id: string; name: string }>("SELECT id, name FROM products WHERE sku = 'ACME-0011'");
    productId = p!.id;
    productName = p!.name;
  });
  afterAll(() => stack.stop());

  const place = async () => {
    const res = await stack.gql<{ placeOrder: { id: string; number: string } }>(
      PLACE,
      { input: { lines: [{ productId, quantity: 1 }] } },
      { token: acmeOwner },
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.placeOrder;
  };

  it('pushes orderUpdated and notificationAdded with cross-subgraph fields and cursors to the tenant, and nothing to another tenant', async () => {
    const orders = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED);
    const notifications = subscribe(stack.wsClient(acmeStaff), NOTIFICATION_ADDED);
    const otherOrders = subscribe(stack.wsClient(globexOwner), ORDER_UPDATED);
    const otherNotifications = subscribe(stack.wsClient(globexOwner), NOTIFICATION_ADDED);
    await sleep(500);

    const order = await place();
    const [placed] = (await orders.waitFor(1)) as unknown as Array<{ data: OrderMessage; extensions: { cursor: string } }>;
    expect(placed!.data.orderUpdated).toEqual({
      id: order.id,
      number: order.number,
      status: 'PENDING',
      placedBy: { email: 'owner@acme.test' },
      lines: [{ quantity: 1, product: { name: productName } }],
    });
    expect(placed!.extensions.cursor).toMatch(/^\d+-\d+$/);

    const [note] = (await notifications.waitFor(1)) as unknown as Array<{
      data: { notificationAdded: { title: string; read: boolean; order: { id: string } } };
      extensions: { cursor: string };
    }>;
    expect(note!.data.notificationAdded).toMatchObject({ read: false, order: { id: order.id } });
    expect(note!.data.notificationAdded.title).toContain(order.number);
    expect(note!.extensions.cursor).toMatch(/^\d+-\d+$/);
    const stored = await stack.sql('SELECT count(*)::int AS n FROM notifications WHERE order_id = $1', [order.id]);
    expect(stored).toEqual([{ n: 1 }]);

    await stack.gql(STATUS, { id: order.id, status: 'CONFIRMED' }, { token: acmeOwner });
    const messages = (await orders.waitFor(2)) as unknown as Array<{ data: OrderMessage; extensions: { cursor: string } }>;
    expect(messages[1]!.data.orderUpdated.status).toBe('CONFIRMED');
    expect(
      messages[1]!.extensions.cursor > messages[0]!.extensions.cursor ||
        messages[1]!.extensions.cursor.length > messages[0]!.extensions.cursor.length,
    ).toBe(true);
    await notifications.waitFor(2);

    await sleep(1500);
    expect(otherOrders.messages).toHaveLength(0);
    expect(otherNotifications.messages).toHaveLength(0);
    expect(orders.messages).toHaveLength(2);
    expect(notifications.messages).toHaveLength(2);
  });

  /** Waits until every committed event is published, so a new subscription starts after them. */
  const settle = async () => {
    await waitForOutboxDrained((text) => stack.sql(text));
    await sleep(300); // the hub fans the last published entries out
  };

  it('filters orderUpdated by id', async () => {
    const first = await place();
    await settle();
    const only = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { id: first.id });
    await sleep(500);
    await place();
    await stack.gql(STATUS, { id: first.id, status: 'CANCELLED' }, { token: acmeOwner });
    const [message] = (await only.waitFor(1)) as unknown as Array<{ data: OrderMessage }>;
    expect(message!.data.orderUpdated).toMatchObject({ id: first.id, status: 'CANCELLED' });
    await sleep(1000);
    expect(only.messages).toHaveLength(1);
  });

  it('resumes after a cursor: replays what was missed in order, then continues live, without duplicates', async () => {
    await settle();
    const live = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED);
    await sleep(500);
    const a = await place();
    const [first] = (await live.waitFor(1)) as unknown as Array<{ extensions: { cursor: string } }>;
    live.unsubscribe();

    const b = await place();
    const c = await place();
    const resumed = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: first!.extensions.cursor });
    const replayed = (await resumed.waitFor(2)) as unknown as Array<{ data: OrderMessage }>;
    expect(replayed.map((m) => m.data.orderUpdated.id)).toEqual([b.id, c.id]);
    const d = await place();
    const all = (await resumed.waitFor(3)) as unknown as Array<{ data: OrderMessage }>;
    expect(all.map((m) => m.data.orderUpdated.id)).toEqual([b.id, c.id, d.id]);
    await sleep(800);
    expect(resumed.messages).toHaveLength(3);
    expect(a.id).not.toBe(b.id);
  });

  it('rejects a malformed cursor with BAD_USER_INPUT', async () => {
    const probe = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: 'yesterday' });
    const ended = (await probe.ended) as unknown as Array<{ extensions?: { code?: string } }>;
    expect(ended[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('CURSOR_EXPIRED for a cursor whose following entries were trimmed (XTRIM; XINFO STREAM), resume from a retained one', async () => {
    const live = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED);
    await sleep(500);
    const placed = [await place(), await place(), await place(), await place()];
    const messages = (await live.waitFor(4)) as unknown as Array<{ data: OrderMessage; extensions: { cursor: string } }>;
    live.unsubscribe();
    const cursors = messages.map((m) => m.extensions.cursor);
    const [acme] = await stack.sql<{ id: string }>("SELECT id FROM tenants WHERE slug = 'acme'");
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      // Keep only the last two entries (what a small STREAM_RETENTION does on XADD).
      await redis.xtrim(streamKey(acme!.id, 'orders'), 'MAXLEN', 2);
    } finally {
      redis.disconnect();
    }
    // After the first cursor, the second entry is gone.
    for (const cursor of [cursors[0], cursors[1]]) {
      const expired = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: cursor });
      const ended = (await expired.ended) as unknown as Array<{ extensions?: { code?: string; field?: string } }>;
      expect(ended[0]?.extensions).toMatchObject({ code: 'CURSOR_EXPIRED', field: 'after' });
    }
    // After the oldest retained entry, nothing was lost: it resumes.
    const resumed = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: cursors[2] });
    const replayed = (await resumed.waitFor(1)) as unknown as Array<{ data: OrderMessage }>;
    expect(replayed.map((m) => m.data.orderUpdated.id)).toEqual([placed[3]!.id]);
    resumed.unsubscribe();
  });
});
