import { buildDemoData, DEMO_ORDERS_PER_TENANT } from '../../lib/db/demo-data';
import { DASHBOARD_QUERY, EXAMPLE_DASHBOARD_QUERY } from '../../scripts/dashboard-query';
import { startTestStack, type TestStack } from '../support/test-stack';

interface Dashboard {
  me: { id: string; email: string; name: string; tenant: { slug: string } };
  tenant: { id: string; slug: string; name: string };
  orders: {
    edges: Array<{
      cursor: string;
      node: {
        id: string;
        number: string;
        status: string;
        total: { amount: number; currency: string };
        placedBy: { email: string };
        lines: Array<{ quantity: number; unitPrice: { amount: number }; product: { id: string; name: string } }>;
      };
    }>;
    pageInfo: { hasNextPage: boolean };
  };
  notifications: { unreadCount: number; edges: Array<{ node: { title: string; order: { number: string } | null } }> };
}

describe('dashboard query through the gateway', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
  });
  afterAll(() => stack.stop());

  it('resolves fields of all four subgraphs for the token tenant only', async () => {
    // `placedBy { email }` needs tenant:admin (User.email's field rule, test/security/field-rights.test.ts).
    const token = await stack.token({ tenant: 'acme', user: 'staff@acme.test', scope: 'tenant:admin' });
    const res = await stack.gql<Dashboard>(DASHBOARD_QUERY, {}, { token });
    expect(res.body.errors).toBeUndefined();
    const data = res.body.data!;
    expect(data.me).toMatchObject({ email: 'staff@acme.test', tenant: { slug: 'acme' } });
    expect(data.tenant.slug).toBe('acme');

    const demo = buildDemoData();
    const acme = demo.tenants.find((t) => t.slug === 'acme')!;
    const productNames = new Map(demo.products.filter((p) => p.tenantId === acme.id).map((p) => [p.id, p.name]));
    const orders = data.orders.edges.map((e) => e.node);
    expect(orders).toHaveLength(DEMO_ORDERS_PER_TENANT);
    expect(orders[0]!.number).toBe(`ORD-${String(DEMO_ORDERS_PER_TENANT).padStart(6, '0')}`);
    for (const order of orders) {
      expect(['owner@acme.test', 'staff@acme.test']).toContain(order.placedBy.email);
      expect(order.lines.length).toBeGreaterThan(0);
      for (const line of order.lines) expect(line.product.name).toBe(productNames.get(line.product.id));
      expect(order.total.amount).toBe(order.lines.reduce((s, l) => s + l.quantity * l.unitPrice.amount, 0));
    }
    expect(data.orders.pageInfo.hasNextPage).toBe(false);
    expect(data.notifications.edges).toHaveLength(10);
    expect(data.notifications.unreadCount).toBe(DEMO_ORDERS_PER_TENANT / 2);
    for (const { node } of data.notifications.edges) expect(node.title).toContain(node.order!.number);
  });

  it('batches entity fetches: the SQL statement count does not grow with the number of orders', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'staff@acme.test', scope: 'tenant:admin' });
    const count = async (first: number) => {
      stack.resetQueries();
      const res = await stack.gql(DASHBOARD_QUERY.replace('orders(first: 20)', `orders(first: ${first})`), {}, { token });
      expect(res.body.errors).toBeUndefined();
      // Only the request's statements: the outbox relays poll in the background.
      return stack.queries.filter((q) => /"(tenants|users|orders|order_lines|products|notifications)"/.test(q) && !q.includes('outbox'))
        .length;
    };
    const few = await count(2);
    const many = await count(12);
    expect(few).toBeGreaterThanOrEqual(5);
    expect(many).toBe(few);
  });

  it("the example dashboard's query (figures, orders, low stock, unread notifications, totals): SQL statements do not grow with page sizes", async () => {
    const token = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const count = async (size: number) => {
      stack.resetQueries();
      const variables = { orders: size, lowStock: size, notifications: size, lowStockBelow: 1000, since: '2000-01-01T00:00:00Z' };
      const res = await stack.gql<{ orders: { edges: unknown[] }; products: { edges: unknown[] }; notifications: { edges: unknown[] } }>(
        EXAMPLE_DASHBOARD_QUERY,
        variables,
        { token },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.orders.edges).toHaveLength(Math.min(size, DEMO_ORDERS_PER_TENANT));
      expect(res.body.data!.products.edges).toHaveLength(size);
      return stack.queries.filter(
        (q) => /"(tenants|users|orders|order_lines|products|notifications)"|FROM orders/.test(q) && !q.includes('outbox'),
      ).length;
    };
    const few = await count(2);
    const many = await count(12);
    expect(few).toBeGreaterThanOrEqual(8);
    expect(many).toBe(few);
  });
});
