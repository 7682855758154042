/**
 * The fields the orders subgraph provides (`@provides`, federation spec): `OrderLine.product`'s
 * `sku`, `name` and `stock`, and `Order.placedBy`'s `name`. A query selecting only those is planned
 * as one orders fetch (no catalog or tenant fetch), answers what the owning subgraphs would, and
 * reads each table once per request however many orders it lists.
 */
import { startTestStack, type TestStack } from '../support/test-stack';

interface Orders {
  orders: {
    edges: Array<{
      node: {
        placedBy: { name: string; email?: string };
        lines: Array<{ product: { id: string; sku: string; name: string; stock: number; description?: string | null } }>;
      };
    }>;
  };
}

const PROVIDED = '{ orders(first: 20) { edges { node { placedBy { name } lines { product { id sku name stock } } } } } }';
const NOT_PROVIDED =
  '{ orders(first: 20) { edges { node { placedBy { name email } lines { product { id sku name stock description } } } } } }';

describe('fields provided by the orders subgraph', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  /** Subgraph fetches the gateway has made, by subgraph (its `/metrics`). */
  const fetches = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^supergraph_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="(\w+)"[^}]*\} (\d+)$/gm)) {
      counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2]);
    }
    return counts;
  };
  const delta = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(
      Object.keys(after)
        .map((k) => [k, after[k]! - (before[k] ?? 0)])
        .filter(([, n]) => n !== 0),
    );

  /** The catalog's products and the tenant's users, as their own tables hold them. */
  const owners = async () => {
    const products = await stack.sql<{ id: string; sku: string; name: string; stock: number }>('SELECT id, sku, name, stock FROM products');
    const users = await stack.sql<{ id: string; name: string }>('SELECT id, name FROM users');
    return { products: new Map(products.map((p) => [p.id, p])), userNames: new Set(users.map((u) => u.name)) };
  };

  it('answers products (sku, name, stock) and authors (name) from one orders fetch, as the catalog and tenant hold them', async () => {
    await stack.gql('{ me { id } }', {}, { token }); // the tenant's first request also loads its plan (a tenant fetch)
    const before = await fetches();
    const res = await stack.gql<Orders>(PROVIDED, {}, { token });
    expect(res.body.errors).toBeUndefined();
    expect(delta(before, await fetches())).toEqual({ orders: 1 });
    const { products, userNames } = await owners();
    const nodes = res.body.data!.orders.edges.map((e) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(userNames.has(node.placedBy.name)).toBe(true);
      for (const { product } of node.lines) expect(product).toEqual(products.get(product.id));
    }
  });

  it('fetches from the catalog and the tenant subgraph when other fields of theirs are selected, with the same values', async () => {
    const provided = await stack.gql<Orders>(PROVIDED, {}, { token });
    const before = await fetches();
    const res = await stack.gql<Orders>(NOT_PROVIDED, {}, { token });
    expect(res.body.errors).toBeUndefined();
    expect(delta(before, await fetches())).toEqual({ orders: 1, catalog: 1, tenant: 1 });
    const strip = (data: Orders) =>
      data.orders.edges.map(({ node }) => ({
        author: node.placedBy.name,
        products: node.lines.map(({ product: { id, sku, name, stock } }) => ({ id, sku, name, stock })),
      }));
    expect(strip(res.body.data!)).toEqual(strip(provided.body.data!));
  });

  it('reads products and users with one SQL statement each for 20 orders', async () => {
    stack.resetQueries();
    const res = await stack.gql<Orders>(PROVIDED, {}, { token });
    expect(res.body.errors).toBeUndefined();
    expect(stack.queries.filter((q) => q.includes('"public"."products"'))).toHaveLength(1);
    expect(stack.queries.filter((q) => q.includes('"public"."users"'))).toHaveLength(1);
  });
});
