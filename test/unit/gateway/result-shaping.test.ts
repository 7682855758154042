import { composeServices } from '@apollo/composition';
import {
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  operationFromDocument,
  possibleRuntimeTypes,
  Supergraph,
  type CompositeType,
  type NamedType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import { parse } from 'graphql';
import { compileShape } from '../../../gateway/execution/result-shape';
import { computeShapedResponse, type ComputeResponseInput, type ComputeResponseOutput } from '../../../gateway/execution/result-shaping';
import { prng } from '../../support/prng';

// Apollo's own shaping, taken before anything in this file installs the compiled one.
const apolloShaping = require('@apollo/gateway/dist/resultShaping') as {
  computeResponse: (a: ComputeResponseInput) => ComputeResponseOutput;
};
const apolloComputeResponse = apolloShaping.computeResponse;

const SUBGRAPHS = {
  shop: /* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
    scalar DateTime
    enum Status {
      OPEN
      SHIPPED
      CANCELLED
    }
    interface Node {
      id: ID!
    }
    type Product implements Node @key(fields: "id") {
      id: ID!
      name: String!
      price: Int
      tags: [String!]
      status: Status
    }
    type Order implements Node @key(fields: "id") {
      id: ID!
      total: Float!
      placedAt: DateTime
      lines: [Line!]!
      status: Status!
    }
    type Line {
      product: Product!
      quantity: Int!
    }
    union SearchResult = Product | Order
    type Query {
      node(id: ID!): Node
      nodes: [Node]!
      search(text: String): [SearchResult!]
      product(id: ID!): Product
      orders: [Order!]!
    }
  `,
  reviews: /* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Product @key(fields: "id") {
      id: ID!
      reviews: [Review!]!
      rating: Float
    }
    type Review {
      body: String!
      stars: Int!
      author: String
    }
  `,
};

function apiSchema(): Schema {
  const composed = composeServices(
    Object.entries(SUBGRAPHS).map(([name, sdl]) => ({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(sdl) })),
  );
  if (!composed.supergraphSdl) throw new Error(composed.errors?.map((e) => e.message).join('; '));
  return Supergraph.build(composed.supergraphSdl).apiSchema();
}

const schema = apiSchema();

function operation(query: string, operationName?: string): Operation {
  return operationFromDocument(schema, parse(query), { operationName, validate: true });
}

/**
 * Random data for `selectionSet` as subgraph fetches could have merged it: mostly valid, sometimes a
 * null anywhere (also in non-null positions), a leaf of the wrong kind, an unknown or abstract
 * `__typename`, and fields the operation did not select (key fields the plan added).
 */
function randomData(random: () => number, type: CompositeType, selectionSet: SelectionSet, depth = 0): Record<string, unknown> {
  const runtimeTypes = possibleRuntimeTypes(type);
  const runtime = runtimeTypes[Math.floor(random() * runtimeTypes.length)]!;
  const data: Record<string, unknown> = { extraKeyField: 'k' };
  const r = random();
  if (r < 0.85) data.__typename = runtime.name;
  else if (r < 0.9) data.__typename = 'NoSuchType';
  else if (r < 0.93) data.__typename = 'Node';
  const fill = (set: SelectionSet) => {
    for (const selection of set.selections()) {
      if (selection.kind === 'FragmentSelection') {
        fill(selection.selectionSet);
        continue;
      }
      const field = selection.element;
      if (field.name === '__typename') {
        if (random() < 0.2) data[field.responseName()] = random() < 0.5 ? runtime.name : 'Unknown';
        continue;
      }
      if (random() < 0.05) continue; // absent: read as null
      data[field.responseName()] = randomValue(random, field.definition.type!, selection.selectionSet, depth + 1);
    }
  };
  fill(selectionSet);
  return data;
}

function randomValue(random: () => number, type: Type, selectionSet: SelectionSet | undefined, depth: number): unknown {
  if (random() < 0.06) return null;
  if (isNonNullType(type)) return randomValue(random, type.ofType, selectionSet, depth);
  if (isListType(type))
    return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, type.ofType, selectionSet, depth));
  const named = type as NamedType;
  if (isCompositeType(named)) return depth > 6 ? null : randomData(random, named, selectionSet!, depth);
  const r = random();
  if (r < 0.05) return { not: 'a leaf' };
  if (r < 0.1) return random() < 0.5 ? 1.5 : true;
  if (r < 0.15) return 'TEXT';
  if (isEnumType(named)) return named.values[Math.floor(random() * named.values.length)]!.name;
  switch (named.name) {
    case 'Int':
      return Math.floor(random() * 100) - 50;
    case 'Float':
      return random() * 10;
    case 'Boolean':
      return random() < 0.5;
    case 'ID':
      return random() < 0.5 ? String(Math.floor(random() * 1e6)) : Math.floor(random() * 1e6);
    default:
      return `s${Math.floor(random() * 1000)}`;
  }
}

type Outcome = { data?: string; errors?: { message: string; path?: readonly (string | number)[] }[]; threw?: string };

function outcome(run: () => ComputeResponseOutput): Outcome {
  try {
    const { data, errors } = run();
    // JSON text: the same values in the same key order.
    return { data: JSON.stringify(data), errors: errors.map((e) => ({ message: e.message, path: e.path })) };
  } catch (err) {
    return { threw: err instanceof Error ? 'Error' : String(err) };
  }
}

/** Both shapings on the same (copied) input: Apollo's and the compiled one. */
function both(op: Operation, input: Record<string, unknown>, variables?: Record<string, unknown>): [Outcome, Outcome] {
  const args = (data: Record<string, unknown>): ComputeResponseInput => ({
    operation: op,
    variables,
    input: data,
    introspectionHandling: () => ({ introspected: true }),
  });
  const copy = () => Object.assign(Object.create(null) as Record<string, unknown>, structuredClone(input));
  return [outcome(() => apolloComputeResponse(args(copy()))), outcome(() => computeShapedResponse(args(copy()), apolloComputeResponse))];
}

const QUERIES: { query: string; variables?: Record<string, unknown>[] }[] = [
  {
    query: `{ product(id: "1") { id name price tags status reviews { body stars author } rating } }`,
  },
  {
    query: `query Q($withReviews: Boolean!, $skipTags: Boolean = true) {
      orders {
        __typename id total placedAt status
        lines { quantity product { id name tags @skip(if: $skipTags) reviews @include(if: $withReviews) { stars } } }
      }
    }`,
    variables: [{ withReviews: true }, { withReviews: false, skipTags: false }],
  },
  {
    query: `{
      nodes { id __typename ... on Product { name price p: price rating } ... on Order { total lines { quantity } } }
      node(id: "2") { ...F kind: __typename }
    }
    fragment F on Node { id ... on Product { name reviews { stars } } }`,
  },
  {
    query: `{
      search(text: "x") {
        t: __typename
        ... on Product { id name tags constructor: name }
        ... on Node { id }
        ... on Order { id status total }
      }
      again: search { ... on Product { id name } }
    }`,
  },
  {
    query: `{ product(id: "1") { id name ... @include(if: false) { price } ... @skip(if: false) { status } } orders { id } orders { status total } }`,
  },
];

describe('computeShapedResponse', () => {
  it('gives the same data (values and key order), the same errors and the same failures as @apollo/gateway, over random data', () => {
    let cases = 0;
    for (const [q, { query, variables }] of QUERIES.entries()) {
      const op = operation(query);
      expect(compileShape(op)).toBeDefined();
      for (const vars of variables ?? [undefined]) {
        for (let seed = 1; seed <= 300; seed++) {
          const random = prng(seed * 7919 + q);
          const input = randomData(random, schema.schemaDefinition.rootType('query')!, op.selectionSet);
          delete input.__typename;
          const [apollo, compiled] = both(op, input, vars);
          if (JSON.stringify(compiled) !== JSON.stringify(apollo)) {
            throw new Error(
              `query ${q}, seed ${seed}, variables ${JSON.stringify(vars)}:\n${JSON.stringify(apollo)}\n${JSON.stringify(compiled)}`,
            );
          }
          cases++;
        }
      }
    }
    expect(cases).toBe(1800);
  });

  it('nulls the nearest nullable parent of a null in a non-null position and reports it once, with its path', () => {
    const op = operation(`{ orders { id lines { quantity product { id name } } } product(id: "1") { id name } }`);
    const input = {
      orders: [{ id: 'o1', lines: [{ quantity: 1, product: { id: 'p1', name: null } }] }],
      product: { id: 'p1', name: 'Pen' },
    };
    const [apollo, compiled] = both(op, input);
    expect(compiled).toEqual(apollo);
    expect(compiled).toEqual({
      data: 'null',
      errors: [{ message: 'Cannot return null for non-nullable field Product.name.', path: ['orders', 0, 'lines', 0, 'product', 'name'] }],
    });
  });

  it('throws as @apollo/gateway does when the data is not of the operation shape', () => {
    const op = operation(`{ orders { id } }`);
    const [apollo, compiled] = both(op, { orders: { id: 'not a list' } });
    expect(apollo).toEqual({ threw: 'Error' });
    expect(compiled).toEqual(apollo);
  });

  it('leaves operations that select __schema or __type, or use the response name __proto__, to @apollo/gateway', () => {
    expect(compileShape(operation(`{ __schema { queryType { name } } orders { id } }`))).toBeUndefined();
    expect(compileShape(operation(`{ product(id: "1") { __proto__: name } }`))).toBeUndefined();
    const op = operation(`{ __type(name: "Order") { name } }`);
    const result = computeShapedResponse(
      { operation: op, input: Object.create(null) as Record<string, unknown>, introspectionHandling: () => ({ name: 'Order' }) },
      apolloComputeResponse,
    );
    expect(JSON.stringify(result.data)).toBe('{"__type":{"name":"Order"}}');
  });
});
