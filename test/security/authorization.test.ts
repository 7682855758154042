import { parse } from 'graphql';
import { findDemoUser } from '../../lib/auth/dev-token';
import { buildDemoData } from '../../lib/db/demo-data';
import { readCommittedSupergraph } from '../../lib/schema/subgraphs';
import { startTestStack, type TestStack } from '../support/test-stack';

const demo = buildDemoData();
const acme = findDemoUser('acme', 'owner@acme.test');
const staff = findDemoUser('acme', 'staff@acme.test');
const globexOwner = findDemoUser('globex', 'owner@globex.test');
const acmeProduct = demo.products.find((p) => p.tenantId === acme.tenantId)!;
const acmeOrder = demo.orders.find((o) => o.tenantId === acme.tenantId && o.status === 'PENDING')!;

/** Every field guarded by `@requiresScope`, with an operation that would write if allowed. */
const GUARDED: Array<[field: string, scope: string, query: string]> = [
  [
    'createProduct',
    'catalog:write',
    'mutation { createProduct(input: { sku: "AUTHZ-1", name: "x", price: { amount: 1, currency: "USD" }, stock: 1 }) { id } }',
  ],
  ['updateProduct', 'catalog:write', `mutation { updateProduct(id: "${acmeProduct.id}", input: { stock: 0 }) { id } }`],
  ['placeOrder', 'orders:write', `mutation { placeOrder(input: { lines: [{ productId: "${acmeProduct.id}", quantity: 1 }] }) { id } }`],
  ['updateOrderStatus', 'orders:write', `mutation { updateOrderStatus(id: "${acmeOrder.id}", status: CANCELLED) { id } }`],
  ['users', 'tenant:admin', '{ users { edges { node { id } } } }'],
  ['createUser', 'tenant:admin', 'mutation { createUser(input: { email: "new@acme.test", name: "New" }) { id } }'],
  ['updateUserScopes', 'tenant:admin', `mutation { updateUserScopes(id: "${staff.id}", scopes: ["catalog:write"]) { id } }`],
  ['createTenant', 'platform:admin', 'mutation { createTenant(input: { slug: "authz-new", name: "New" }) { id } }'],
];

describe('authorization declared in the SDL (@requiresScope)', () => {
  let stack: TestStack;
  const dbState = () =>
    stack.sql(
      `SELECT (SELECT md5(string_agg(id::text || status::text, ',' ORDER BY id)) FROM orders) AS o,
              (SELECT md5(string_agg(id::text || stock || name, ',' ORDER BY id)) FROM products) AS p,
              (SELECT md5(string_agg(id::text || email || array_to_string(scopes, ' '), ',' ORDER BY id)) FROM users) AS u,
              (SELECT md5(string_agg(id::text || slug, ',' ORDER BY id)) FROM tenants) AS t`,
    );
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
  });
  afterAll(() => stack.stop());

  it('supergraph: the directive is subgraph-local, not composed', () => {
    const sdl = readCommittedSupergraph();
    expect(sdl).not.toContain('requiresScope');
    expect(() => parse(sdl)).not.toThrow();
  });

  it.each(GUARDED)('%s: FORBIDDEN without %s, nothing written', async (_field, scope, query) => {
    const before = await dbState();
    // Every tenant scope except the one required (platform:admin is never in a tenant token).
    const others = ['catalog:write', 'orders:write', 'tenant:admin'].filter((s) => s !== scope).join(' ');
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test', scope: others });
    const res = await stack.gql(query, {}, { token });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.body.errors?.[0]?.message).toBe(`The ${scope} scope is required.`);
    expect(await dbState()).toEqual(before);
  });

  describe('tenant admin (tenant:admin)', () => {
    it("users: lists the caller's tenant only", async () => {
      const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
      const res = await stack.gql<{ users: { edges: Array<{ node: { id: string; email: string; scopes: string[] } }> } }>(
        '{ users(first: 100) { edges { node { id email scopes } } pageInfo { hasNextPage } } }',
        {},
        { token },
      );
      expect(res.body.errors).toBeUndefined();
      const emails = res.body.data!.users.edges.map((e) => e.node.email).sort();
      expect(emails).toEqual(['owner@acme.test', 'staff@acme.test']);
    });

    it('createUser: adds a user to the own tenant with tenant scopes; duplicate email is BAD_USER_INPUT', async () => {
      const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
      const q = 'mutation($i: CreateUserInput!) { createUser(input: $i) { id email scopes tenant { slug } } }';
      const res = await stack.gql<{ createUser: { id: string; email: string; scopes: string[]; tenant: { slug: string } } }>(
        q,
        { i: { email: 'Clerk@Acme.test', name: 'Cleo Clerk', scopes: ['orders:write'] } },
        { token },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.createUser).toMatchObject({ email: 'clerk@acme.test', scopes: ['orders:write'], tenant: { slug: 'acme' } });
      const rows = await stack.sql('SELECT tenant_id::text AS t FROM users WHERE id = $1', [res.body.data!.createUser.id]);
      expect(rows).toEqual([{ t: acme.tenantId }]);
      const again = await stack.gql(q, { i: { email: 'clerk@acme.test', name: 'x' } }, { token });
      expect(again.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    });

    it.each([['platform:admin'], ['admin'], ['catalog:write platform:admin']])(
      'createUser and updateUserScopes: granting %p is BAD_USER_INPUT, nothing written',
      async (scopes) => {
        const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
        const before = await dbState();
        const list = scopes.split(' ');
        const a = await stack.gql(
          'mutation($s: [String!]!) { createUser(input: { email: "esc@acme.test", name: "x", scopes: $s }) { id } }',
          { s: list },
          { token },
        );
        expect(a.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        const b = await stack.gql(
          'mutation($s: [String!]!) { updateUserScopes(id: "' + staff.id + '", scopes: $s) { id } }',
          { s: list },
          { token },
        );
        expect(b.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
        expect(await dbState()).toEqual(before);
      },
    );

    it("updateUserScopes: sets the own tenant's user's scopes; another tenant's user is NOT_FOUND, unchanged", async () => {
      const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
      const own = await stack.gql<{ updateUserScopes: { scopes: string[] } }>(
        `mutation { updateUserScopes(id: "${staff.id}", scopes: ["orders:write", "catalog:write", "orders:write"]) { scopes } }`,
        {},
        { token },
      );
      expect(own.body.data?.updateUserScopes.scopes).toEqual(['catalog:write', 'orders:write']);
      const before = await dbState();
      const theirs = await stack.gql(`mutation { updateUserScopes(id: "${globexOwner.id}", scopes: []) { id } }`, {}, { token });
      expect(theirs.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await dbState()).toEqual(before);
    });
  });

  describe('platform admin (platform:admin)', () => {
    it('createTenant: creates a tenant, then acts for it through x-tenant-id', async () => {
      const token = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
      const res = await stack.gql<{ createTenant: { id: string; slug: string; name: string } }>(
        'mutation { createTenant(input: { slug: "initech", name: "Initech" }) { id slug name } }',
        {},
        { token },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.createTenant).toMatchObject({ slug: 'initech', name: 'Initech' });
      const acting = await stack.gql<{ tenant: { slug: string }; products: { edges: unknown[] } }>(
        '{ tenant { slug } products { edges { cursor } } }',
        {},
        { token, headers: { 'x-tenant-id': res.body.data!.createTenant.id } },
      );
      expect(acting.body.data).toEqual({ tenant: { slug: 'initech' }, products: { edges: [] } });
    });

    it.each([
      ['a taken slug', 'acme'],
      ['an upper-case slug', 'Bad-Slug'],
      ['a one-character slug', 'x'],
      ['a slug with a space', 'a b'],
    ])('createTenant: %s is BAD_USER_INPUT, nothing written', async (_name, slug) => {
      const token = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
      const before = await dbState();
      const res = await stack.gql('mutation($s: String!) { createTenant(input: { slug: $s, name: "X" }) { id } }', { s: slug }, { token });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.slug' });
      expect(await dbState()).toEqual(before);
    });
  });
});
