import { buildDemoData } from '../../lib/db/demo-data';
import { findDemoUser } from '../../lib/auth/dev-token';
import { tenantTablesChecksum } from '../support/database-state';
import { startTestStack, type TestStack } from '../support/test-stack';

const demo = buildDemoData();
const acme = findDemoUser('acme', 'owner@acme.test');
const globex = findDemoUser('globex', 'owner@globex.test');
const theirOrder = demo.orders.find((o) => o.tenantId === globex.tenantId && o.status === 'PENDING')!;
const theirProduct = demo.products.find((p) => p.tenantId === globex.tenantId)!;
const theirNotification = demo.notifications.find((n) => n.tenantId === globex.tenantId && !n.read)!;

describe.each([
  ['directly', undefined],
  ['through PgBouncer (transaction mode, 3 server connections)', 3],
])('tenant isolation through the gateway, database reached %s', (_path, pgbouncerPoolSize) => {
  let stack: TestStack;
  let token: string;
  let snapshot: unknown;
  const dbState = () => tenantTablesChecksum(stack.sql);

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory', pgbouncerPoolSize });
    token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    snapshot = await dbState();
  });
  afterAll(() => stack.stop());

  it("lists only the caller's orders, products and notifications", async () => {
    const res = await stack.gql<{
      orders: { edges: Array<{ node: { id: string } }> };
      products: { edges: Array<{ node: { id: string } }> };
      notifications: { edges: Array<{ node: { id: string } }> };
    }>(
      '{ orders(first: 100) { edges { node { id } } } products(first: 100) { edges { node { id } } } notifications(first: 100) { edges { node { id } } } }',
      {},
      { token },
    );
    expect(res.body.errors).toBeUndefined();
    // Exactly the caller's rows: none of the other tenant's, and not an empty list.
    const own = (ids: string[], all: Array<{ id: string; tenantId: string }>) =>
      [...ids].sort().join() ===
      all
        .filter((x) => x.tenantId === acme.tenantId)
        .map((x) => x.id)
        .sort()
        .join();
    expect(
      own(
        res.body.data!.orders.edges.map((e) => e.node.id),
        demo.orders,
      ),
    ).toBe(true);
    expect(
      own(
        res.body.data!.products.edges.map((e) => e.node.id),
        demo.products,
      ),
    ).toBe(true);
    expect(
      own(
        res.body.data!.notifications.edges.map((e) => e.node.id),
        demo.notifications,
      ),
    ).toBe(true);
  });

  it.each([
    ['order', `{ order(id: "${theirOrder.id}") { id number } }`],
    ['product', `{ product(id: "${theirProduct.id}") { id name } }`],
    ['notification', `{ notification(id: "${theirNotification.id}") { id title } }`],
  ])("resolves another tenant's %s to null, not FORBIDDEN", async (field, query) => {
    const res = await stack.gql<Record<string, unknown>>(query, {}, { token });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data![field]).toBeNull();
  });

  it.each([
    ['updateOrderStatus', `mutation { updateOrderStatus(id: "${theirOrder.id}", status: CANCELLED) { id } }`],
    ['updateProduct', `mutation { updateProduct(id: "${theirProduct.id}", input: { stock: 0 }) { id } }`],
    ['markNotificationRead', `mutation { markNotificationRead(id: "${theirNotification.id}") { id } }`],
    ['placeOrder', `mutation { placeOrder(input: { lines: [{ productId: "${theirProduct.id}", quantity: 1 }] }) { id } }`],
  ])("answers NOT_FOUND to %s on another tenant's object and changes nothing", async (_name, mutation) => {
    const res = await stack.gql(mutation, {}, { token });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await dbState()).toEqual(snapshot);
  });
});
