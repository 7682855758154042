/**
 * The API a dashboard needs, through the gateway: Relay-complete connections (backward pages,
 * `hasPreviousPage`, `startCursor`, `totalCount`), the orders and products filters and orderings,
 * and the header figures computed in SQL, checked against the database.
 */
import { startTestStack, type TestStack } from '../support/test-stack';

interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}
type OrderNode = { number: string; status: string; createdAt: string };
type ProductNode = { name: string; stock: number };

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount';
const ORDERS = `query($first: Int, $after: String, $last: Int, $before: String, $statuses: [OrderStatus!], $createdAfter: DateTime, $createdBefore: DateTime, $orderBy: OrderOrderBy) {
  orders(first: $first, after: $after, last: $last, before: $before, statuses: $statuses, createdAfter: $createdAfter, createdBefore: $createdBefore, orderBy: $orderBy) {
    edges { cursor node { number status createdAt } } ${PAGE_INFO}
  }
}`;
const PRODUCTS = `query($first: Int, $after: String, $last: Int, $before: String, $search: String, $lowStockBelow: Int, $orderBy: ProductOrderBy) {
  products(first: $first, after: $after, last: $last, before: $before, search: $search, lowStockBelow: $lowStockBelow, orderBy: $orderBy) {
    edges { cursor node { name stock } } ${PAGE_INFO}
  }
}`;

describe('dashboard API', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    token = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
  });
  afterAll(() => stack.stop());

  const orders = async (variables: Record<string, unknown>) => {
    const res = await stack.gql<{ orders: Page<OrderNode> }>(ORDERS, variables, { token });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.orders;
  };
  const products = async (variables: Record<string, unknown>) => {
    const res = await stack.gql<{ products: Page<ProductNode> }>(PRODUCTS, variables, { token });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.products;
  };
  const acmeOrders = () =>
    stack.sql<{ number: string; status: string; created_at: Date; total_amount: number; currency: string }>(
      `SELECT o.number, o.status::text AS status, o.created_at, o.total_amount, o.currency FROM orders o JOIN tenants t ON t.id = o.tenant_id
       WHERE t.slug = 'acme' ORDER BY o.created_at DESC, o.id DESC`,
    );

  describe('Query.orders', () => {
    it('pages forward and backward over the same list with Relay page info and totalCount', async () => {
      const all = (await acmeOrders()).map((o) => o.number);
      const first = await orders({ first: 5 });
      expect(first.edges.map((e) => e.node.number)).toEqual(all.slice(0, 5));
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: first.edges[0]!.cursor });
      expect(first.totalCount).toBe(all.length);
      const second = await orders({ first: 5, after: first.pageInfo.endCursor });
      expect(second.edges.map((e) => e.node.number)).toEqual(all.slice(5, 10));
      expect(second.pageInfo.hasPreviousPage).toBe(true);
      const back = await orders({ last: 5, before: second.pageInfo.startCursor });
      expect(back.edges.map((e) => e.node.number)).toEqual(all.slice(0, 5));
      expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
      const tail = await orders({ last: 3 });
      expect(tail.edges.map((e) => e.node.number)).toEqual(all.slice(-3));
      expect(tail.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    });

    it('filters by a status set and a created-at range, oldest first, with a matching totalCount', async () => {
      const rows = (await acmeOrders()).reverse();
      const statuses = ['PENDING', 'SHIPPED'];
      const from = rows[2]!.created_at;
      const to = rows[rows.length - 2]!.created_at;
      const expected = rows.filter((o) => statuses.includes(o.status) && o.created_at >= from && o.created_at < to).map((o) => o.number);
      expect(expected.length).toBeGreaterThan(0);
      const page = await orders({
        statuses,
        createdAfter: from.toISOString(),
        createdBefore: to.toISOString(),
        orderBy: 'OLDEST_FIRST',
        first: 100,
      });
      expect(page.edges.map((e) => e.node.number)).toEqual(expected);
      expect(page.totalCount).toBe(expected.length);
    });

    it('refuses mixed directions, another ordering’s cursor and an empty range with BAD_USER_INPUT, writing nothing', async () => {
      const newest = await orders({ first: 1 });
      for (const variables of [
        { first: 2, last: 2 },
        { last: 2, after: newest.pageInfo.endCursor },
        { first: 2, after: newest.pageInfo.endCursor, orderBy: 'OLDEST_FIRST' },
        { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' },
        { last: 101 },
      ]) {
        const res = await stack.gql(ORDERS, variables, { token });
        expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('Query.products', () => {
    it('lists low-stock products fewest first, and pages backward through that ordering', async () => {
      await stack.sql(`UPDATE products SET stock = 3 WHERE sku IN ('ACME-0001', 'ACME-0002')`);
      await stack.sql(`UPDATE products SET stock = 1 WHERE sku = 'ACME-0003'`);
      const expected = await stack.sql<{ name: string }>(
        `SELECT p.name FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'acme' AND p.stock < 5 ORDER BY p.stock, p.id`,
      );
      const low = await products({ lowStockBelow: 5, orderBy: 'STOCK_ASC', first: 10 });
      expect(low.edges.map((e) => e.node.name)).toEqual(expected.map((r) => r.name));
      expect(low.edges[0]!.node.stock).toBe(1);
      expect(low.totalCount).toBe(expected.length);
      const back = await products({ lowStockBelow: 5, orderBy: 'STOCK_ASC', last: 2, before: low.edges[2]!.cursor });
      expect(back.edges.map((e) => e.node.name)).toEqual(low.edges.slice(0, 2).map((e) => e.node.name));
    });

    it('searches name or SKU and orders by name', async () => {
      const [row] = await stack.sql<{ name: string }>(`SELECT name FROM products WHERE sku = 'ACME-0004'`);
      const name = row!.name;
      const word = name.split(' ')[1]!;
      const found = await products({ search: word.toLowerCase(), orderBy: 'NAME_ASC', first: 100 });
      const names = found.edges.map((e) => e.node.name);
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(n.toLowerCase()).toContain(word.toLowerCase());
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(found.totalCount).toBe(names.length);
    });
  });

  describe('Query.orderFigures', () => {
    it('counts orders and sums revenue per status and currency over a range, as SQL does', async () => {
      const rows = await acmeOrders();
      const from = rows[rows.length - 3]!.created_at;
      const res = await stack.gql<{
        orderFigures: Array<{ status: string; currency: string; orderCount: number; revenue: { amount: number; currency: string } }>;
      }>(
        'query($from: DateTime) { orderFigures(createdAfter: $from) { status currency orderCount revenue { amount currency } } }',
        { from: from.toISOString() },
        { token },
      );
      expect(res.body.errors).toBeUndefined();
      const expected = new Map<string, { count: number; amount: number }>();
      for (const o of rows.filter((r) => r.created_at >= from)) {
        const key = `${o.status}/${o.currency}`;
        const e = expected.get(key) ?? { count: 0, amount: 0 };
        expected.set(key, { count: e.count + 1, amount: e.amount + o.total_amount });
      }
      const got = new Map(
        res.body.data!.orderFigures.map((f) => [`${f.status}/${f.currency}`, { count: f.orderCount, amount: f.revenue.amount }]),
      );
      expect(got).toEqual(expected);
    });
  });
});
