/**
 * The four subgraphs of the federation benchmark scenario (accounts, inventory, products, reviews),
 * built with `@apollo/subgraph`'s `buildSubgraphSchema` over the in-memory data of ./data.ts and
 * served by a small `node:http` server each. They ignore the gateway credential header. Because the
 * data never changes, each server caches its answer per request body, so the subgraphs cost little
 * CPU and the gateways under test dominate (the public benchmark uses Rust subgraphs for the same
 * reason).
 */
import { createServer, type Server } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { IN_STOCK, PRODUCTS, REVIEWS, REVIEW_AUTHOR_ID, USERS, USER_REVIEW_IDS, shippingEstimate, type BenchReview } from './data';

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

/** Subgraph SDL per name. */
export const FEDERATION_SUBGRAPH_SDL: Readonly<Record<BenchSubgraphName, string>> = {
  accounts: `${LINK}
    type Query { me: User  user(id: ID!): User  users: [User] }
    type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${LINK}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
    type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
};

/** Names of the scenario's subgraphs. */
export type BenchSubgraphName = 'accounts' | 'inventory' | 'products' | 'reviews';
/** The subgraph names, in composition order. */
export const BENCH_SUBGRAPHS: readonly BenchSubgraphName[] = ['accounts', 'inventory', 'products', 'reviews'];

type Ref = Record<string, unknown>;
const reviewRef = (r: BenchReview) => ({ id: r.id, body: r.body, product: { upc: r.productUpc } });
const author = () => {
  const u = USERS.find((x) => x.id === REVIEW_AUTHOR_ID)!;
  return { id: u.id, username: u.username };
};

const RESOLVERS: Record<BenchSubgraphName, GraphQLResolverMap<unknown>> = {
  accounts: {
    Query: {
      me: () => USERS[0],
      user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null,
      users: () => USERS,
    },
    User: { __resolveReference: (ref: Ref) => USERS.find((u) => u.id === ref.id) ?? null },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: Ref) => ({ ...ref, inStock: IN_STOCK[String(ref.upc)] ?? null }),
      shippingEstimate: (p: Ref) => shippingEstimate(p.price as number | null, p.weight as number | null),
    },
  },
  products: {
    Query: { topProducts: (_: unknown, { first }: { first?: number }) => PRODUCTS.slice(0, first ?? 5) },
    Product: { __resolveReference: (ref: Ref) => PRODUCTS.find((p) => p.upc === ref.upc) ?? null },
  },
  reviews: {
    Review: {
      __resolveReference: (ref: Ref) => {
        const r = REVIEWS.find((x) => x.id === ref.id);
        return r ? reviewRef(r) : null;
      },
      author: () => author(),
    },
    User: {
      __resolveReference: (ref: Ref) => ({ id: ref.id }),
      reviews: () => USER_REVIEW_IDS.map((id) => reviewRef(REVIEWS.find((r) => r.id === id)!)),
    },
    Product: {
      __resolveReference: (ref: Ref) => ({ upc: ref.upc }),
      reviews: (p: Ref) => REVIEWS.filter((r) => r.productUpc === p.upc).map(reviewRef),
    },
  },
};

/** Builds the executable subgraph schema of `name`. */
export function buildBenchSubgraphSchema(name: BenchSubgraphName): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(FEDERATION_SUBGRAPH_SDL[name]), resolvers: RESOLVERS[name] }]);
}

/** A running benchmark subgraph. */
export interface BenchSubgraph {
  name: BenchSubgraphName;
  url: string;
  close(): Promise<void>;
}

/** Serves subgraph `name` on 127.0.0.1:`port` (0 = free port). */
export async function startBenchSubgraph(name: BenchSubgraphName, port = 0): Promise<BenchSubgraph> {
  const schema = buildBenchSubgraphSchema(name);
  const documents = new Map<string, DocumentNode>();
  const answers = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let answer = answers.get(raw);
        if (answer === undefined) {
          const body = JSON.parse(raw) as { query: string; variables?: Record<string, unknown>; operationName?: string };
          let document = documents.get(body.query);
          if (!document) {
            document = parse(body.query);
            const errors = validate(schema, document);
            if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
            documents.set(body.query, document);
          }
          const result = await execute({ schema, document, variableValues: body.variables, operationName: body.operationName });
          answer = JSON.stringify(result);
          if (answers.size > 10_000) answers.clear();
          if (!result.errors) answers.set(raw, answer);
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer);
      })().catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message }] }));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    name,
    url: `http://127.0.0.1:${actual}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
