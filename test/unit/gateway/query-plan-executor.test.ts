/**
 * The gateway's query plan executor against `@apollo/gateway`'s, on the same plans and the same
 * subgraph answers: four subgraphs executed in process (no network), whose resolvers answer from a
 * seed with nulls (also in non-null positions), errors with and without codes, missing entities and
 * lists of any length, so that merging, entity representations, error paths and null propagation
 * are all compared.
 */
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { execute, GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { createQueryPlanExecutor, type ExecuteQueryPlan, type HydratedPaths } from '../../../gateway/execution/query-plan-executor';
import { deepMerge } from '../../../gateway/execution/response-data';

const execution = require('@apollo/gateway/dist/executeQueryPlan') as {
  executeQueryPlan: ExecuteQueryPlan;
  generateHydratedPaths: HydratedPaths;
};
const apolloExecuteQueryPlan = execution.executeQueryPlan;
const ourExecuteQueryPlan = createQueryPlanExecutor(apolloExecuteQueryPlan, execution.generateHydratedPaths);

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])';
const SDL: Record<string, string> = {
  accounts: `${LINK}
    type Query { me: User  users: [User]  user(id: ID!): User }
    type User @key(fields: "id") { id: ID!  name: String  username: String! @shareable  birthday: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!  weight: Int @external  price: Int @external  inStock: Boolean!
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${LINK}
    type Query { topProducts(first: Int = 3): [Product!] }
    type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int  status: Status }
    enum Status { ACTIVE RETIRED }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID!  body: String!  product: Product  author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID!  username: String! @external  reviews: [Review!] }
    type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
};

/** The subgraphs' current seed: every answer is a function of it and of what is asked. */
let seed = 1;

/** A number in [0, 1) from the seed and `parts` (FNV-1a), independent of the order of calls. */
function chance(...parts: unknown[]): number {
  let h = 2166136261 ^ seed;
  for (const ch of parts.join('|')) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

/** A field's value, or null, or a thrown error (with or without an error code). */
function faulty<T>(value: T, ...where: unknown[]): T | null {
  const r = chance(...where);
  if (r < 0.04) return null;
  if (r < 0.06) throw new GraphQLError(`refused ${where.join('.')}`, { extensions: { code: 'FORBIDDEN' } });
  if (r < 0.07) throw new Error(`failed ${where.join('.')}`);
  return value;
}

const count = (...where: unknown[]) => Math.floor(chance('n', ...where) * 4);
type Ref = Record<string, unknown>;

const RESOLVERS: Record<string, GraphQLResolverMap<unknown>> = {
  accounts: {
    Query: {
      me: () => faulty({ id: 'u1' }, 'me'),
      users: () => Array.from({ length: count('users') + 1 }, (_, i) => (chance('users', i) < 0.05 ? null : { id: `u${i}` })),
      user: (_: unknown, { id }: { id: string }) => faulty({ id }, 'user', id),
    },
    User: {
      __resolveReference: (ref: Ref) => (chance('ref', ref.id) < 0.05 ? null : { id: ref.id }),
      name: (u: Ref) => faulty(`Name ${String(u.id)}`, 'name', u.id),
      username: (u: Ref) => faulty(`user${String(u.id)}`, 'username', u.id),
      birthday: (u: Ref) => faulty(Math.floor(chance('b', u.id) * 1e6), 'birthday', u.id),
    },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: Ref) => ({ ...ref }),
      inStock: (p: Ref) => faulty(chance('stock', p.upc) < 0.5, 'inStock', p.upc),
      shippingEstimate: (p: Ref) => faulty(p.price === null ? null : Number(p.price) * 2 + Number(p.weight ?? 0), 'ship', p.upc),
    },
  },
  products: {
    Query: {
      topProducts: (_: unknown, { first }: { first: number }) =>
        faulty(
          Array.from({ length: Math.min(first, count('top') + 1) }, (_, i) => ({ upc: `p${i}` })),
          'top',
        ),
    },
    Product: {
      __resolveReference: (ref: Ref) => (chance('pref', ref.upc) < 0.05 ? null : { upc: ref.upc }),
      name: (p: Ref) => faulty(`Product ${String(p.upc)}`, 'pname', p.upc),
      price: (p: Ref) => faulty(Math.floor(chance('price', p.upc) * 1000), 'price', p.upc),
      weight: (p: Ref) => faulty(Math.floor(chance('weight', p.upc) * 100), 'weight', p.upc),
      status: (p: Ref) => faulty(chance('st', p.upc) < 0.5 ? 'ACTIVE' : 'RETIRED', 'status', p.upc),
    },
  },
  reviews: {
    Review: {
      __resolveReference: (ref: Ref) => ({ id: ref.id }),
      body: (r: Ref) => faulty(`Review ${String(r.id)}`, 'body', r.id),
      product: (r: Ref) => faulty({ upc: `p${Math.floor(chance('rp', r.id) * 3)}` }, 'rproduct', r.id),
      author: (r: Ref) => faulty({ id: `u${Math.floor(chance('ra', r.id) * 3)}`, username: `user-provided` }, 'author', r.id),
    },
    User: {
      __resolveReference: (ref: Ref) => ({ id: ref.id }),
      reviews: (u: Ref) =>
        faulty(
          Array.from({ length: count('ur', u.id) }, (_, i) => ({ id: `${String(u.id)}r${i}` })),
          'ureviews',
          u.id,
        ),
    },
    Product: {
      __resolveReference: (ref: Ref) => ({ upc: ref.upc }),
      reviews: (p: Ref) =>
        faulty(
          Array.from({ length: count('pr', p.upc) }, (_, i) => (chance('prn', p.upc, i) < 0.05 ? null : { id: `${String(p.upc)}r${i}` })),
          'previews',
          p.upc,
        ),
    },
  },
};

/** A subgraph executed in process, answering as a subgraph server would (formatted errors). */
class LocalSubgraph implements GraphQLDataSource {
  constructor(private readonly schema: GraphQLSchema) {}
  async process(options: Parameters<GraphQLDataSource['process']>[0]) {
    const { query, variables } = options.request;
    const result = await execute({ schema: this.schema, document: parse(query!), variableValues: variables });
    const answer = JSON.parse(JSON.stringify(result)) as { data?: { _entities?: (Ref | null)[] } };
    // A subgraph that leaves out __typename of the entities it answers, or answers too few of them.
    const entities = answer.data?._entities;
    if (entities && chance('typename', query) < 0.3) for (const e of entities) if (e) delete e.__typename;
    if (entities && chance('short', query) < 0.05) entities.pop();
    return answer as Awaited<ReturnType<GraphQLDataSource['process']>>;
  }
}

function supergraphSdl(): string {
  const composed = composeServices(
    Object.entries(SDL).map(([name, sdl]) => ({ name, url: `http://${name}.invalid`, typeDefs: parse(sdl) })),
  );
  if (!composed.supergraphSdl) throw new Error(composed.errors?.map((e) => e.message).join('; '));
  return composed.supergraphSdl;
}

const QUERIES: { query: string; variables?: Record<string, unknown> }[] = [
  {
    query: `query Nested {
      users { id username name reviews { id body product { upc name price weight inStock shippingEstimate status reviews { id author { id username name } } } } }
      topProducts(first: 3) { ...P reviews { body author { username birthday } } }
    }
    fragment P on Product { upc name inStock shippingEstimate }`,
  },
  {
    query: `query Vars($id: ID!, $first: Int, $withReviews: Boolean!) {
      user(id: $id) { id name n: name reviews @include(if: $withReviews) { id product { upc price } } }
      top: topProducts(first: $first) { __typename upc constructor: name inStock @skip(if: $withReviews) }
      me { __typename id username }
    }`,
    variables: { id: 'u2', first: 2, withReviews: true },
  },
  {
    query: `{ me { reviews { author { reviews { product { shippingEstimate } } } } } topProducts { weight price shippingEstimate } }`,
  },
];

describe('deepMerge', () => {
  const apolloDeepMerge = (require('@apollo/gateway/dist/utilities/deepMerge') as { deepMerge: (t: unknown, s: unknown) => unknown })
    .deepMerge;

  it('merges as @apollo/gateway does: objects by key, equal-length lists by element, the rest replaced', () => {
    const cases: [Ref, unknown][] = [
      [
        { a: { b: 1 }, l: [{ x: 1 }, 2, { y: 1 }] },
        { a: { c: 2 }, l: [{ z: 3 }, { w: 4 }, 5] },
      ],
      [{ l: [{ x: 1 }] }, { l: [{ x: 2 }, { x: 3 }] }],
      [
        { a: 1, b: null, constructor: undefined },
        { a: undefined, b: { c: 1 }, constructor: 'own', toString: { d: 1 } },
      ],
      [{ n: { deep: [[{ a: 1 }]] } }, { n: { deep: [[{ b: 2 }]] } }],
      [{ keep: 1 }, null],
    ];
    for (const [target, source] of cases) {
      const theirs = apolloDeepMerge(structuredClone(target), structuredClone(source));
      const ours = structuredClone(target);
      deepMerge(ours, structuredClone(source));
      expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
    }
  });

  it('keeps a __proto__ key of subgraph data as data, never as a prototype', () => {
    const source = '{"a":{"__proto__":{"polluted":1}},"__proto__":{"polluted":2}}';
    const theirs = apolloDeepMerge({ a: {} }, JSON.parse(source));
    const ours: Ref = { a: {} };
    deepMerge(ours, JSON.parse(source));
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
    expect(JSON.stringify(ours)).toBe(source);
    expect(({} as Ref).polluted).toBeUndefined();
    expect((ours.a as Ref).polluted).toBeUndefined();
  });
});

describe('the gateway query plan executor', () => {
  let server: ApolloServer;

  beforeAll(async () => {
    const schemas = Object.fromEntries(
      Object.entries(SDL).map(([name, sdl]) => [name, buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers: RESOLVERS[name] }])]),
    );
    const gateway = new ApolloGateway({ supergraphSdl: supergraphSdl(), buildService: ({ name }) => new LocalSubgraph(schemas[name]!) });
    server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
    await server.start();
  });

  afterAll(async () => {
    execution.executeQueryPlan = apolloExecuteQueryPlan;
    await server.stop();
  });

  async function run(executor: ExecuteQueryPlan, query: string, variables?: Record<string, unknown>): Promise<string> {
    execution.executeQueryPlan = executor;
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('incremental response');
    return JSON.stringify(response.body.singleResult);
  }

  it('answers as @apollo/gateway does (data, errors with their paths and codes, null propagation) over seeded subgraph faults', async () => {
    let withErrors = 0;
    for (const [q, { query, variables }] of QUERIES.entries()) {
      for (seed = 1; seed <= 60; seed++) {
        const apollo = await run(apolloExecuteQueryPlan, query, variables);
        const ours = await run(ourExecuteQueryPlan, query, variables);
        if (ours !== apollo) throw new Error(`query ${q}, seed ${seed}:\n${apollo}\n${ours}`);
        if (apollo.includes('"errors"')) withErrors++;
      }
    }
    // The faults are frequent enough that most answers carry errors, and some do not.
    expect(withErrors).toBeGreaterThan(60);
    expect(withErrors).toBeLessThan(180);
  });

  it('answers a plan it runs itself without calling @apollo/gateway, and hands it what it does not run', async () => {
    let calls = 0;
    const counting: ExecuteQueryPlan = (...args) => {
      calls++;
      return apolloExecuteQueryPlan(...args);
    };
    const executor = createQueryPlanExecutor(counting, execution.generateHydratedPaths);
    seed = 1000;
    expect(JSON.parse(await run(executor, `{ me { id } }`))).toEqual(JSON.parse(await run(apolloExecuteQueryPlan, `{ me { id } }`)));
    expect(calls).toBe(0);
    const introspection = await run(executor, `{ __type(name: "User") { name } me { id } }`);
    expect(calls).toBe(1);
    expect(JSON.parse(introspection)).toMatchObject({ data: { __type: { name: 'User' } } });
  });
});

describe('the gateway query plan executor, on plans with data rewrites', () => {
  it('hands a plan with @interfaceObject rewrites to @apollo/gateway, whose answer it returns', async () => {
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])';
    const sdl: Record<string, string> = {
      library: `${link}
        interface Media @key(fields: "id") { id: ID!  title: String }
        type Book implements Media @key(fields: "id") { id: ID!  title: String  pages: Int }
        type Query { media: [Media] }`,
      ratings: `${link}
        type Media @key(fields: "id") @interfaceObject { id: ID!  stars: Int }`,
    };
    const resolvers: Record<string, GraphQLResolverMap<unknown>> = {
      library: {
        Query: { media: () => [{ id: 'b1', title: 'Dune', pages: 412 }] },
        Media: { __resolveType: () => 'Book' },
        Book: { __resolveReference: (ref: Ref) => ({ id: ref.id, title: 'Dune', pages: 412 }) },
      },
      ratings: { Media: { __resolveReference: (ref: Ref) => ({ id: ref.id, stars: 5 }) } },
    };
    const composed = composeServices(Object.entries(sdl).map(([name, s]) => ({ name, url: `http://${name}.invalid`, typeDefs: parse(s) })));
    if (!composed.supergraphSdl) throw new Error(composed.errors?.map((e) => e.message).join('; '));
    const schemas = Object.fromEntries(
      Object.entries(sdl).map(([name, s]) => [name, buildSubgraphSchema([{ typeDefs: parse(s), resolvers: resolvers[name] }])]),
    );
    const gateway = new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ name }) => new LocalSubgraph(schemas[name]!),
    });
    const server = new ApolloServer({ gateway });
    await server.start();
    let calls = 0;
    execution.executeQueryPlan = createQueryPlanExecutor((...args) => {
      calls++;
      return apolloExecuteQueryPlan(...args);
    }, execution.generateHydratedPaths);
    try {
      seed = 1;
      const response = await server.executeOperation({ query: '{ media { id title stars ... on Book { pages } } }' });
      expect(calls).toBe(1);
      expect(response.body.kind === 'single' && response.body.singleResult).toEqual({
        data: { media: [{ id: 'b1', title: 'Dune', stars: 5, pages: 412 }] },
      });
    } finally {
      execution.executeQueryPlan = apolloExecuteQueryPlan;
      await server.stop();
    }
  });
});
