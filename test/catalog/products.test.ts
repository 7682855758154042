import { DEMO_PRODUCTS_PER_TENANT } from '../../lib/db/demo-data';
import { startTestStack, type TestStack } from '../support/test-stack';

interface ProductPage {
  products: {
    edges: Array<{ cursor: string; node: { id: string; sku: string; name: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const PAGE =
  'query($first: Int, $after: String, $search: String) { products(first: $first, after: $after, search: $search) { edges { cursor node { id sku name } } pageInfo { hasNextPage endCursor } } }';
const CREATE = 'mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name price { amount currency } stock } }';
const UPDATE =
  'mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name price { amount currency } stock } }';

describe('catalog', () => {
  let stack: TestStack;
  let owner: string;
  let staff: string;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
  });
  afterAll(() => stack.stop());

  describe('Query.products', () => {
    it('pages through every product of the tenant once, as a Relay connection', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: { body: { data?: ProductPage | null } } = await stack.gql<ProductPage>(PAGE, { first: 7, after }, { token: staff });
        const page: ProductPage['products'] = res.body.data!.products;
        seen.push(...page.edges.map((e) => e.node.sku));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(DEMO_PRODUCTS_PER_TENANT);
      expect(new Set(seen).size).toBe(DEMO_PRODUCTS_PER_TENANT);
      expect(seen.every((sku) => sku.startsWith('ACME-'))).toBe(true);
    });

    it('searches name and SKU case-insensitively', async () => {
      const res = await stack.gql<ProductPage>(PAGE, { search: 'acme-0001', first: 50 }, { token: staff });
      expect(res.body.data!.products.edges.map((e) => e.node.sku)).toEqual(['ACME-0001']);
      const byName = await stack.gql<ProductPage>(PAGE, { search: 'rocket', first: 50 }, { token: staff });
      expect(byName.body.data!.products.edges.length).toBeGreaterThan(0);
      expect(byName.body.data!.products.edges.every((e) => /rocket/i.test(e.node.name))).toBe(true);
    });

    it.each([[0], [101], [-1]])('rejects first: %s with BAD_USER_INPUT', async (first) => {
      const res = await stack.gql(PAGE, { first }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('rejects a malformed cursor with BAD_USER_INPUT', async () => {
      const res = await stack.gql(PAGE, { after: 'not-a-cursor' }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('Mutation.createProduct', () => {
    const input = {
      sku: 'NEW-0001',
      name: 'Tornado Seeds',
      description: 'Just add water.',
      price: { amount: 1299, currency: 'USD' },
      stock: 5,
    };

    it('creates a product for a user with catalog:write', async () => {
      const res = await stack.gql<{ createProduct: { id: string; price: unknown; stock: number } }>(CREATE, { input }, { token: owner });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.createProduct).toMatchObject({ price: { amount: 1299, currency: 'USD' }, stock: 5 });
      const rows = await stack.sql('SELECT tenant_id, sku FROM products WHERE id = $1', [res.body.data!.createProduct.id]);
      expect(rows).toEqual([{ tenant_id: expect.any(String), sku: 'NEW-0001' }]);
    });

    it('answers FORBIDDEN without catalog:write and writes nothing', async () => {
      const res = await stack.gql(CREATE, { input: { ...input, sku: 'NEW-0002' } }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await stack.sql("SELECT 1 FROM products WHERE sku = 'NEW-0002'")).toEqual([]);
    });

    it.each([
      ['a duplicate SKU', { sku: 'ACME-0001' }],
      ['a negative price', { sku: 'NEW-0003', price: { amount: -1, currency: 'USD' } }],
      ['a malformed currency', { sku: 'NEW-0004', price: { amount: 1, currency: 'usd' } }],
      ['negative stock', { sku: 'NEW-0005', stock: -2 }],
      ['an empty name', { sku: 'NEW-0006', name: '  ' }],
    ])('rejects %s with BAD_USER_INPUT and writes nothing', async (_name, patch) => {
      const before = await stack.sql('SELECT count(*)::text AS n FROM products');
      const res = await stack.gql(CREATE, { input: { ...input, ...patch } }, { token: owner });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await stack.sql('SELECT count(*)::text AS n FROM products')).toEqual(before);
    });
  });

  describe('Mutation.updateProduct', () => {
    it('updates only the given fields', async () => {
      const [row] = await stack.sql<{ id: string; name: string }>("SELECT id, name FROM products WHERE sku = 'ACME-0002'");
      const res = await stack.gql<{ updateProduct: { name: string; stock: number } }>(
        UPDATE,
        { id: row!.id, input: { stock: 42 } },
        { token: owner },
      );
      expect(res.body.data!.updateProduct).toMatchObject({ name: row!.name, stock: 42 });
    });

    it("answers NOT_FOUND for another tenant's product and leaves it unchanged", async () => {
      const [theirs] = await stack.sql<{ id: string; stock: number }>("SELECT id, stock FROM products WHERE sku = 'GLOBEX-0001'");
      const res = await stack.gql(UPDATE, { id: theirs!.id, input: { stock: 0 } }, { token: owner });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await stack.sql('SELECT stock FROM products WHERE id = $1', [theirs!.id])).toEqual([{ stock: theirs!.stock }]);
    });

    it('answers FORBIDDEN without catalog:write', async () => {
      const [row] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0003'");
      const res = await stack.gql(UPDATE, { id: row!.id, input: { stock: 1 } }, { token: staff });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
