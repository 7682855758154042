import { findDemoUser } from '../../lib/auth/dev-token';
import { buildDemoData } from '../../lib/db/demo-data';
import type { SubgraphName } from '../../lib/schema/subgraphs';
import { TestCredentials } from '../support/credentials';
import { startTestStack, type TestStack } from '../support/test-stack';

const acmeOwner = findDemoUser('acme', 'owner@acme.test');
const globexOwner = findDemoUser('globex', 'owner@globex.test');
const demo = buildDemoData();

/** One case per `@key` of the supergraph: the owning subgraph, the typename and ids of each tenant. */
const KEYS: Array<{ subgraph: SubgraphName; typename: string; fields: string; table: string; ids: (tenantId: string) => string[] }> = [
  { subgraph: 'tenant', typename: 'Tenant', fields: 'id slug', table: 'tenants', ids: (t) => [t] },
  {
    subgraph: 'tenant',
    typename: 'User',
    fields: 'id email',
    table: 'users',
    ids: (t) => demo.users.filter((u) => findDemoUser(u.tenantSlug, u.email).tenantId === t).map((u) => u.id),
  },
  {
    subgraph: 'catalog',
    typename: 'Product',
    fields: 'id sku',
    table: 'products',
    ids: (t) => demo.products.filter((p) => p.tenantId === t).map((p) => p.id),
  },
  {
    subgraph: 'orders',
    typename: 'Order',
    fields: 'id number',
    table: 'orders',
    ids: (t) => demo.orders.filter((o) => o.tenantId === t).map((o) => o.id),
  },
  {
    subgraph: 'notifications',
    typename: 'Notification',
    fields: 'id title',
    table: 'notifications',
    ids: (t) => demo.notifications.filter((n) => n.tenantId === t).map((n) => n.id),
  },
];

const ENTITIES = (typename: string, fields: string) =>
  `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { ${fields} } } }`;

describe('_entities (reference resolvers)', () => {
  let stack: TestStack;
  let credentials: TestCredentials;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    credentials = new TestCredentials(stack.config.internalSecret!);
  });
  afterAll(() => stack.stop());

  // tenant:admin: `User.email` is one of the selected fields, and it needs that scope outside `me`.
  const credential = (subgraph: SubgraphName, user = acmeOwner) =>
    credentials.sign(subgraph, { tenant: user.tenantSlug, user: user.email, scopes: ['tenant:admin'] });

  describe.each(KEYS)('$typename @key(fields: "id")', ({ subgraph, typename, fields, table, ids }) => {
    it('resolves 50 representations with one SQL query on its table', async () => {
      const own = ids(acmeOwner.tenantId);
      const representations = Array.from({ length: 50 }, (_, i) => ({ __typename: typename, id: own[i % own.length] }));
      stack.resetQueries();
      const res = await stack.post<{ _entities: Array<{ id: string } | null> }>(
        stack.subgraphUrls[subgraph],
        { query: ENTITIES(typename, fields), variables: { representations } },
        { authorization: `Bearer ${await credential(subgraph)}` },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!._entities.map((e) => e?.id)).toEqual(representations.map((r) => r.id));
      expect(stack.queries.filter((q) => q.includes(`"${table}"`))).toHaveLength(1);
    });

    it("resolves another tenant's ids to null", async () => {
      const theirs = ids(globexOwner.tenantId).slice(0, 3);
      const res = await stack.post<{ _entities: unknown[] }>(
        stack.subgraphUrls[subgraph],
        { query: ENTITIES(typename, fields), variables: { representations: theirs.map((id) => ({ __typename: typename, id })) } },
        { authorization: `Bearer ${await credential(subgraph)}` },
      );
      expect(res.body.data!._entities).toEqual(theirs.map(() => null));
    });
  });
});
