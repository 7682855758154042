import { changelogEntry, compareSchemas, currentApiSchema, publishedApiSchema } from '../../../lib/schema/schema-registry';

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

  it('writes a changelog entry with one line per change, breaking first, and description changes only counted', async () => {
    const next = `type Query { product(id: ID!): Product  products(first: Int): [Product!]! }
"A product."
type Product { id: ID!  "Its name."
  name: String!  stock: Int  sku: String }`;
    const entry = changelogEntry(
      '2026-12-01',
      'add sku',
      await compareSchemas(BASE.replace('stock: Int }', 'stock: Int  price: Int }'), next),
    );
    expect(entry.split('\n')).toEqual([
      '- 2026-12-01: add sku',
      "  - breaking: Field 'price' was removed from object type 'Product'",
      "  - safe: Field 'sku' was added to object type 'Product'",
      '  - 2 descriptions added or changed',
      '',
    ]);
  });

  it('has no breaking change between the published snapshot and the committed supergraph (npm run schema:check)', async () => {
    const published = publishedApiSchema();
    expect(published).toBeDefined();
    expect((await compareSchemas(published!, currentApiSchema())).breaking).toEqual([]);
  });
});
