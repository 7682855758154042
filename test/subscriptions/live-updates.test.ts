import { streamKey } from '../../lib/events/domain-event';
import { waitForOutboxDrained } from '../support/event-waits';
import { startTestStack, subscribe, type SubscriptionProbe, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = /* GraphQL */ `
  subscription ($id: ID, $after: String) {
    orderUpdated(id: $id, after: $after) {
      id
      number
      status
      placedBy {
        name
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
const STATUS = 'mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status } }';

interface OrderMessage {
  orderUpdated: {
    id: string;
    number: string;
    status: string;
    placedBy: { name: string };
    lines: Array<{ quantity: number; product: { name: string } }>;
  };
}

describe.each(['redis', 'cluster'] as const)(
  'live updates on %s: outbox -> Redis Stream -> notifications consumer -> graphql-ws',
  (backend) => {
    let stack: TestStack;
    let acmeOwner: string;
    let acmeStaff: string;
    let globexOwner: string;
    let productId: string;
    let productName: string;
    let globexProductId: string;

    beforeAll(async () => {
      stack = await startTestStack({ eventLog: backend });
      acmeOwner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
      acmeStaff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
      globexOwner = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
      const [p] = await stack.sql<{ id: string; name: string }>("SELECT id, name FROM products WHERE sku = 'ACME-0011'");
      productId = p!.id;
      productName = p!.name;
      const [g] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'GLOBEX-0011'");
      globexProductId = g!.id;
    });
    afterAll(() => stack.stop());

    const place = () => stack.placeOrder(acmeOwner, productId);
    const ids = (messages: unknown[]) => (messages as Array<{ data: OrderMessage }>).map((m) => m.data.orderUpdated.id);

    /**
     * Waits until every committed event is published and no subscription is left, so the next
     * subscription's stream reader starts at the stream's end: it receives only what comes after it.
     */
    const settle = async () => {
      await waitForOutboxDrained((text) => stack.sql(text));
      await stack.waitForLiveSubscriptions(0);
    };

    it('pushes orderUpdated and notificationAdded with cross-subgraph fields and cursors to the tenant, and nothing to another tenant', async () => {
      const orders = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED);
      const notifications = subscribe(stack.wsClient(acmeStaff), NOTIFICATION_ADDED);
      const otherOrders = subscribe(stack.wsClient(globexOwner), ORDER_UPDATED);
      const otherNotifications = subscribe(stack.wsClient(globexOwner), NOTIFICATION_ADDED);
      const probes: SubscriptionProbe[] = [orders, notifications, otherOrders, otherNotifications];
      await stack.waitForLiveSubscriptions(4);

      const order = await place();
      const [placed] = (await orders.waitFor(1)) as unknown as Array<{ data: OrderMessage; extensions: { cursor: string } }>;
      expect(placed!.data.orderUpdated).toEqual({
        id: order.id,
        number: order.number,
        status: 'PENDING',
        placedBy: { name: 'Ava Owner' }, // email needs tenant:admin (test/security/field-rights.test.ts)
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

      // Markers: one more order per tenant. Streams are delivered in order, so when a subscriber has
      // the marker (and its notification), it has everything its streams carried before it.
      const acmeMarker = await place();
      const globexMarker = await stack.placeOrder(globexOwner, globexProductId);
      expect(ids(await orders.waitFor(3))).toEqual([order.id, order.id, acmeMarker.id]);
      expect(ids(await otherOrders.waitFor(1))).toEqual([globexMarker.id]);
      const noteOrders = (messages: unknown[]) =>
        (messages as Array<{ data: { notificationAdded: { order: { id: string } } } }>).map((m) => m.data.notificationAdded.order.id);
      expect(noteOrders(await notifications.waitFor(3))).toEqual([order.id, order.id, acmeMarker.id]);
      expect(noteOrders(await otherNotifications.waitFor(1))).toEqual([globexMarker.id]);
      for (const probe of probes) probe.unsubscribe();
    });

    it('filters orderUpdated by id', async () => {
      const first = await place();
      await settle();
      const only = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { id: first.id });
      await stack.waitForLiveSubscriptions(1);
      await place();
      await stack.gql(STATUS, { id: first.id, status: 'CANCELLED' }, { token: acmeOwner });
      // The status change is the last event: once it arrived, the other order's event before it was skipped.
      const [message] = (await only.waitFor(1)) as unknown as Array<{ data: OrderMessage }>;
      expect(message!.data.orderUpdated).toMatchObject({ id: first.id, status: 'CANCELLED' });
      expect(only.messages).toHaveLength(1);
      only.unsubscribe();
    });

    it('resumes after a cursor: replays what was missed in order, then continues live, without duplicates', async () => {
      await settle();
      const live = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED);
      await stack.waitForLiveSubscriptions(1);
      const a = await place();
      const [first] = (await live.waitFor(1)) as unknown as Array<{ data: OrderMessage; extensions: { cursor: string } }>;
      expect(first!.data.orderUpdated.id).toBe(a.id);
      live.unsubscribe();

      const b = await place();
      const c = await place();
      const resumed = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: first!.extensions.cursor });
      expect(ids(await resumed.waitFor(2))).toEqual([b.id, c.id]);
      const d = await place();
      expect(ids(await resumed.waitFor(3))).toEqual([b.id, c.id, d.id]);
      const marker = await place(); // proves nothing else came before it
      expect(ids(await resumed.waitFor(4))).toEqual([b.id, c.id, d.id, marker.id]);
      resumed.unsubscribe();
    });

    it('rejects a malformed cursor with BAD_USER_INPUT', async () => {
      const probe = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: 'yesterday' });
      const ended = (await probe.ended) as unknown as Array<{ extensions?: { code?: string } }>;
      expect(ended[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('CURSOR_EXPIRED for a cursor newer than anything the stream generated (not issued by it)', async () => {
      const probe = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: `${Date.now() + 86_400_000}-0` });
      const ended = (await probe.ended) as unknown as Array<{ message: string; extensions?: { code?: string; field?: string } }>;
      expect(ended[0]).toMatchObject({ message: expect.stringContaining('newer'), extensions: { code: 'CURSOR_EXPIRED', field: 'after' } });
    });

    it('CURSOR_EXPIRED for a cursor whose following entries were trimmed (XTRIM; XINFO STREAM), resume from a retained one', async () => {
      await settle();
      const live = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED);
      await stack.waitForLiveSubscriptions(1);
      const placed = [await place(), await place(), await place(), await place()];
      const messages = (await live.waitFor(4)) as unknown as Array<{ data: OrderMessage; extensions: { cursor: string } }>;
      expect(ids(messages)).toEqual(placed.map((o) => o.id));
      live.unsubscribe();
      const cursors = messages.map((m) => m.extensions.cursor);
      const [acme] = await stack.sql<{ id: string }>("SELECT id FROM tenants WHERE slug = 'acme'");
      // Keep only the last two entries (what a small STREAM_RETENTION does on XADD).
      await stack.withRedis((redis) => redis.xtrim(streamKey(acme!.id, 'orders'), 'MAXLEN', 2));
      // After the first cursor, the second entry is gone.
      for (const cursor of [cursors[0], cursors[1]]) {
        const expired = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: cursor });
        const ended = (await expired.ended) as unknown as Array<{ message: string; extensions?: { code?: string; field?: string } }>;
        expect(ended[0]).toMatchObject({
          message: expect.stringContaining('older'),
          extensions: { code: 'CURSOR_EXPIRED', field: 'after' },
        });
      }
      // After the oldest retained entry, nothing was lost: it resumes.
      const resumed = subscribe(stack.wsClient(acmeStaff), ORDER_UPDATED, { after: cursors[2] });
      const replayed = (await resumed.waitFor(1)) as unknown as Array<{ data: OrderMessage }>;
      expect(replayed.map((m) => m.data.orderUpdated.id)).toEqual([placed[3]!.id]);
      resumed.unsubscribe();
    });
  },
);
