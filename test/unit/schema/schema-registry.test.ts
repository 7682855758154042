import { compareSchemas, currentApiSchema, publishedApiSchema } from '../../../lib/schema/schema-registry';

const BASE = `type Query { product(id: ID!): Product  products(first: Int): [Product!]! }
type Product { id: ID!  name: String!  stock: Int }`;

describe('schema registry', () => {
  it('finds the breaking changes: a removed field, a narrowed type, a new required argument', async () => {
    const next = `type Query { product(id: ID!): Product  products(first: Int, tenant: ID!): [Product!]! }
type Product { id: ID!  stock: Int! }`;
    const { breaking } = await compareSchemas(BASE, next);
    const messages = breaking.map((c) => c.message).join('\n');
    expect(messages).toMatch(/Field 'name' .*removed/);
    expect(messages).toMatch(/Argument 'tenant: ID!' added to field 'Query.products'/);
    expect(breaking.length).toBeGreaterThanOrEqual(2);
  });

  it('lets additive changes through as non-breaking', async () => {
    const next = `${BASE.replace('stock: Int }', 'stock: Int  sku: String }')}\ntype Extra { id: ID! }`;
    const { breaking, safe } = await compareSchemas(BASE, next);
    expect(breaking).toEqual([]);
    expect(safe.length).toBeGreaterThan(0);
  });

  it('has no breaking change between the published snapshot and the committed supergraph (npm run schema:check)', async () => {
    const published = publishedApiSchema();
    expect(published).toBeDefined();
    expect((await compareSchemas(published!, currentApiSchema())).breaking).toEqual([]);
  });
});
