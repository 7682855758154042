import { startTestStack, type TestStack } from '../support/test-stack';

const PLACE =
  'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number status total { amount currency } lines { quantity unitPrice { amount currency } product { id stock } } placedBy { email } } }';
const STATUS = 'mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status } }';

interface Placed {
  placeOrder: {
    id: string;
    number: string;
    status: string;
    total: { amount: number; currency: string };
    lines: Array<{ quantity: number; unitPrice: { amount: number }; product: { id: string; stock: number } }>;
    placedBy: { email: string };
  };
}

describe.each([
  ['directly', undefined],
  ['through PgBouncer (transaction mode, 3 server connections)', 3],
])('orders, database reached %s', (_path, pgbouncerPoolSize) => {
  let stack: TestStack;
  let owner: string;
  let staff: string;
  // Outbox rows of orders only: the notifications consumer writes its own rows in the background.
  const counts = async () =>
    (
      await stack.sql<{ o: string; l: string; x: string }>(
        "SELECT (SELECT count(*) FROM orders)::text AS o, (SELECT count(*) FROM order_lines)::text AS l, (SELECT count(*) FROM outbox WHERE topic = 'orders')::text AS x",
      )
    )[0];
  const product = async (sku: string) =>
    (
      await stack.sql<{ id: string; stock: number; price_amount: number }>('SELECT id, stock, price_amount FROM products WHERE sku = $1', [
        sku,
      ])
    )[0]!;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory', pgbouncerPoolSize });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
  });
  afterAll(() => stack.stop());

  describe('Mutation.placeOrder', () => {
    it('prices lines from the catalog, takes the stock and writes an outbox event in the same transaction', async () => {
      const a = await product('ACME-0001');
      const b = await product('ACME-0002');
      const res = await stack.gql<Placed>(
        PLACE,
        {
          input: {
            lines: [
              { productId: a.id, quantity: 2 },
              { productId: b.id, quantity: 1 },
            ],
          },
        },
        { token: owner },
      );
      expect(res.body.errors).toBeUndefined();
      const order = res.body.data!.placeOrder;
      expect(order.status).toBe('PENDING');
      expect(order.number).toMatch(/^ORD-\d{6}$/);
      expect(order.total).toEqual({ amount: 2 * a.price_amount + b.price_amount, currency: 'USD' });
      expect(order.lines.map((l) => l.unitPrice.amount)).toEqual([a.price_amount, b.price_amount]);
      expect(order.placedBy.email).toBe('owner@acme.test');
      expect((await product('ACME-0001')).stock).toBe(a.stock - 2);
      const outbox = await stack.sql<{ type: string; payload: { subjectId: string } }>(
        "SELECT type, payload FROM outbox WHERE payload->>'subjectId' = $1",
        [order.id],
      );
      expect(outbox.map((r) => r.type)).toEqual(['order.placed']);
    });

    it('answers FORBIDDEN without orders:write and writes nothing', async () => {
      const a = await product('ACME-0001');
      const before = await counts();
      const res = await stack.gql(PLACE, { input: { lines: [{ productId: a.id, quantity: 1 }] } }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await counts()).toEqual(before);
      expect((await product('ACME-0001')).stock).toBe(a.stock);
    });

    it('rejects a quantity above stock with INSUFFICIENT_STOCK and writes nothing, not even the other lines', async () => {
      const a = await product('ACME-0004');
      const low = await product('ACME-0010');
      const before = await counts();
      const res = await stack.gql(
        PLACE,
        {
          input: {
            lines: [
              { productId: a.id, quantity: 1 },
              { productId: low.id, quantity: low.stock + 1 },
            ],
          },
        },
        { token: owner },
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_STOCK');
      expect(await counts()).toEqual(before);
      expect((await product('ACME-0004')).stock).toBe(a.stock);
      expect((await product('ACME-0010')).stock).toBe(low.stock);
    });

    it.each([
      ['no lines', { lines: [] }],
      ['a zero quantity', { lines: [{ productId: '00000000-0000-4000-8000-000000000000', quantity: 0 }] }],
      [
        'an idempotency key over 200 characters',
        { lines: [{ productId: '00000000-0000-4000-8000-000000000000', quantity: 1 }], idempotencyKey: 'k'.repeat(201) },
      ],
    ])('rejects %s with BAD_USER_INPUT and writes nothing', async (_name, input) => {
      const before = await counts();
      const res = await stack.gql(PLACE, { input }, { token: owner });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await counts()).toEqual(before);
    });

    it("answers NOT_FOUND for another tenant's product and writes nothing", async () => {
      const theirs = await product('GLOBEX-0001');
      const before = await counts();
      const res = await stack.gql(PLACE, { input: { lines: [{ productId: theirs.id, quantity: 1 }] } }, { token: owner });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await counts()).toEqual(before);
      expect((await product('GLOBEX-0001')).stock).toBe(theirs.stock);
    });

    it('never oversells: 20 concurrent orders for the last 3 units place exactly 3', async () => {
      const created = await stack.gql<{ createProduct: { id: string } }>(
        'mutation { createProduct(input: { sku: "LAST-3", name: "Last three", price: { amount: 100, currency: "USD" }, stock: 3 }) { id } }',
        {},
        { token: owner },
      );
      const id = created.body.data!.createProduct.id;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => stack.gql(PLACE, { input: { lines: [{ productId: id, quantity: 1 }] } }, { token: owner })),
      );
      const ok = results.filter((r) => !r.body.errors);
      const refused = results.filter((r) => r.body.errors?.[0]?.extensions?.code === 'INSUFFICIENT_STOCK');
      expect(ok).toHaveLength(3);
      expect(refused).toHaveLength(17);
      expect((await stack.sql('SELECT stock FROM products WHERE id = $1', [id]))[0]).toEqual({ stock: 0 });
      expect(await stack.sql('SELECT count(*)::int AS n FROM order_lines WHERE product_id = $1', [id])).toEqual([{ n: 3 }]);
    });

    it('returns the same order for a retried idempotency key, sequentially and concurrently, taking stock once', async () => {
      const a = await product('ACME-0005');
      const input = { lines: [{ productId: a.id, quantity: 1 }], idempotencyKey: 'retry-key-1' };
      const first = await stack.gql<Placed>(PLACE, { input }, { token: owner });
      const again = await stack.gql<Placed>(PLACE, { input }, { token: owner });
      expect(again.body.data!.placeOrder.id).toBe(first.body.data!.placeOrder.id);

      const concurrent = await Promise.all(
        Array.from({ length: 8 }, () => stack.gql<Placed>(PLACE, { input: { ...input, idempotencyKey: 'retry-key-2' } }, { token: owner })),
      );
      expect(concurrent.every((r) => !r.body.errors)).toBe(true);
      expect(new Set(concurrent.map((r) => r.body.data!.placeOrder.id)).size).toBe(1);
      expect((await product('ACME-0005')).stock).toBe(a.stock - 2);
    });

    it('refuses an idempotency key reused for other lines with BAD_USER_INPUT (IDEMPOTENCY_KEY_REUSED) and writes nothing', async () => {
      const a = await product('ACME-0008');
      const b = await product('ACME-0009');
      const first = await stack.gql<Placed>(
        PLACE,
        { input: { lines: [{ productId: a.id, quantity: 1 }], idempotencyKey: 'reuse-key' } },
        { token: owner },
      );
      expect(first.body.errors).toBeUndefined();
      const before = await counts();
      const stock = [(await product('ACME-0008')).stock, (await product('ACME-0009')).stock];
      for (const lines of [
        [{ productId: a.id, quantity: 2 }],
        [{ productId: b.id, quantity: 1 }],
        [
          { productId: a.id, quantity: 1 },
          { productId: b.id, quantity: 1 },
        ],
      ]) {
        const res = await stack.gql(PLACE, { input: { lines, idempotencyKey: 'reuse-key' } }, { token: owner });
        expect(res.status).toBe(200);
        expect(res.body.data).toBeNull();
        expect(res.body.errors?.[0]?.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          field: 'input.idempotencyKey',
          reason: 'IDEMPOTENCY_KEY_REUSED',
        });
      }
      // Concurrent first uses with different lines: one order wins, every other request is refused.
      const raced = await Promise.all(
        [a, b].map((p) =>
          stack.gql<Placed>(PLACE, { input: { lines: [{ productId: p.id, quantity: 1 }], idempotencyKey: 'race-key' } }, { token: owner }),
        ),
      );
      expect(raced.filter((r) => !r.body.errors)).toHaveLength(1);
      expect(raced.filter((r) => r.body.errors?.[0]?.extensions?.reason === 'IDEMPOTENCY_KEY_REUSED')).toHaveLength(1);
      const after = await counts();
      expect(Number(after!.o)).toBe(Number(before!.o) + 1);
      expect([(await product('ACME-0008')).stock, (await product('ACME-0009')).stock].reduce((x, y) => x + y)).toBe(
        stock[0]! + stock[1]! - 1,
      );
    });

    it('answers NOT_FOUND before INSUFFICIENT_STOCK when one line lacks stock and another names no product', async () => {
      const low = await product('ACME-0010');
      const before = await counts();
      const res = await stack.gql(
        PLACE,
        {
          input: {
            lines: [
              { productId: low.id, quantity: low.stock + 1 },
              { productId: 'ffffffff-ffff-4fff-bfff-ffffffffffff', quantity: 1 },
            ],
          },
        },
        { token: owner },
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(res.body.errors?.[0]?.message).toBe('Product ffffffff-ffff-4fff-bfff-ffffffffffff was not found.');
      expect(await counts()).toEqual(before);
      expect((await product('ACME-0010')).stock).toBe(low.stock);
    });

    it('scopes idempotency keys per tenant', async () => {
      const globex = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
      const ours = await product('ACME-0006');
      const theirs = await product('GLOBEX-0006');
      const a = await stack.gql<Placed>(
        PLACE,
        { input: { lines: [{ productId: ours.id, quantity: 1 }], idempotencyKey: 'shared-key' } },
        { token: owner },
      );
      const b = await stack.gql<Placed>(
        PLACE,
        { input: { lines: [{ productId: theirs.id, quantity: 1 }], idempotencyKey: 'shared-key' } },
        { token: globex },
      );
      expect(a.body.errors).toBeUndefined();
      expect(b.body.errors).toBeUndefined();
      expect(b.body.data!.placeOrder.id).not.toBe(a.body.data!.placeOrder.id);
    });
  });

  describe('Mutation.updateOrderStatus', () => {
    let orderId: string;
    beforeAll(async () => {
      const a = await product('ACME-0007');
      const res = await stack.gql<Placed>(PLACE, { input: { lines: [{ productId: a.id, quantity: 2 }] } }, { token: owner });
      orderId = res.body.data!.placeOrder.id;
    });

    it('follows the lifecycle PENDING -> CONFIRMED -> SHIPPED -> DELIVERED', async () => {
      for (const status of ['CONFIRMED', 'SHIPPED', 'DELIVERED']) {
        const res = await stack.gql<{ updateOrderStatus: { status: string } }>(STATUS, { id: orderId, status }, { token: owner });
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data!.updateOrderStatus.status).toBe(status);
      }
      const events = await stack.sql<{ type: string }>("SELECT type FROM outbox WHERE payload->>'subjectId' = $1 ORDER BY seq", [orderId]);
      expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.status_changed', 'order.status_changed', 'order.status_changed']);
    });

    it('rejects an invalid transition with BAD_USER_INPUT and changes nothing', async () => {
      const res = await stack.gql(STATUS, { id: orderId, status: 'PENDING' }, { token: owner });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await stack.sql('SELECT status FROM orders WHERE id = $1', [orderId])).toEqual([{ status: 'DELIVERED' }]);
    });

    it('returns the stock of a cancelled order', async () => {
      const a = await product('ACME-0008');
      const placed = await stack.gql<Placed>(PLACE, { input: { lines: [{ productId: a.id, quantity: 3 }] } }, { token: owner });
      expect((await product('ACME-0008')).stock).toBe(a.stock - 3);
      await stack.gql(STATUS, { id: placed.body.data!.placeOrder.id, status: 'CANCELLED' }, { token: owner });
      expect((await product('ACME-0008')).stock).toBe(a.stock);
    });

    it('answers FORBIDDEN without orders:write', async () => {
      const res = await stack.gql(STATUS, { id: orderId, status: 'CANCELLED' }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
