import { getNamedType, isObjectType, parse, print, type GraphQLSchema } from 'graphql';
import { normalizeLiveQuery, type TypeNames } from '../../../gateway/subscriptions/selection-normalizer';
import { loadApiSchema } from '../../support/api-schema';

describe('normalizeLiveQuery', () => {
  let schema: GraphQLSchema;
  let types: TypeNames;
  beforeAll(() => {
    schema = loadApiSchema();
    types = (typeName, field) => {
      const type = typeName ? schema.getType(typeName) : undefined;
      const f = type && isObjectType(type) ? type.getFields()[field] : undefined;
      return f ? getNamedType(f.type).name : undefined;
    };
  });
  const normalize = (query: string) => normalizeLiveQuery(parse(query), 'order', 'Order', types);

  it('gives documents differing in aliases, field order, fragments and operation names one normal form', () => {
    const a = normalize('query A($__subjectId: ID!) { mine: order(id: $__subjectId) { status n: number total { amount } } }')!;
    const b = normalize(
      'query B($__subjectId: ID!) { orderUpdated: order(id: $__subjectId) { ...F status } } fragment F on Order { total { amount } number }',
    )!;
    expect(a.query).toBe(b.query);
    expect(print(parse(a.query))).toContain('order(id: $__subjectId)');
  });

  it("reads the shared result back into each subscriber's keys and order", () => {
    const a = normalize('query A($__subjectId: ID!) { mine: order(id: $__subjectId) { status n: number lines { q: quantity } } }')!;
    const shared = { lines: [{ quantity: 2 }], number: 'ORD-1', status: 'PENDING' };
    expect(a.project(shared)).toEqual({ status: 'PENDING', n: 'ORD-1', lines: [{ q: 2 }] });
    expect(Object.keys(a.project(shared) as object)).toEqual(['status', 'n', 'lines']);
  });

  it('merges a field selected twice (directly and through a fragment) for the subscriber', () => {
    const a = normalize(
      'query($__subjectId: ID!) { o: order(id: $__subjectId) { lines { quantity } ...F } } fragment F on Order { lines { product { id } } }',
    )!;
    expect(a.query).toContain('lines { product { id } quantity }');
    expect(a.project({ lines: [{ product: { id: 'p' }, quantity: 1 }] })).toEqual({ lines: [{ quantity: 1, product: { id: 'p' } }] });
  });

  it('leaves directives and arguments alone: those share only with identical documents', () => {
    expect(normalize('query($__subjectId: ID!, $x: Boolean!) { order(id: $__subjectId) { id @include(if: $x) } }')).toBeUndefined();
  });
});
