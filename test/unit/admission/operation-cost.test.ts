import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { costModelOfSdl, type CostModel } from '../../../gateway/admission/cost-model';
import { operationCost } from '../../../gateway/admission/operation-cost';
import { readCommittedSupergraph } from '../../../lib/schema/subgraphs';
import { loadApiSchema } from '../../support/api-schema';

describe('operationCost', () => {
  let schema: GraphQLSchema;
  let model: CostModel;
  beforeAll(() => {
    schema = loadApiSchema();
    model = costModelOfSdl(readCommittedSupergraph());
  });
  const cost = (query: string, variables: Record<string, unknown> = {}, m: CostModel = model) => {
    const document = parse(query);
    return operationCost(schema, m, document, getOperationAST(document)!, variables);
  };

  it('reads @listSize and @cost from the committed supergraph (carried by composition)', () => {
    expect(model.listSizes.get('Query.orders')).toEqual({ assumedSize: 20, slicingArguments: ['first', 'last'], sizedFields: ['edges'] });
    expect(model.listSizes.get('Order.lines')).toMatchObject({ assumedSize: 10 });
    expect(model.weights.get('Mutation.placeOrder')).toBe(20);
  });

  it('costs objects 1 and scalars 0, and multiplies a connection by first through its edges', () => {
    expect(cost('{ tenant { id name } }')).toBe(1);
    // edges x first: 5 x (edge 1 + node 1)
    expect(cost('{ orders(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }')).toBe(1 + 5 * 2 + 1);
    // variables and the argument's default value (20) count like literals
    expect(cost('query($n: Int) { orders(first: $n) { edges { node { id } } } }', { n: 7 })).toBe(1 + 7 * 2);
    expect(cost('{ orders { edges { node { id } } } }')).toBe(1 + 20 * 2);
  });

  it('multiplies lists by @listSize(assumedSize:) and fragments count where spread', () => {
    const q = '{ orders(first: 2) { edges { node { ...L } } } } fragment L on Order { lines { product { id } } }';
    // 1 + 2 x (edge 1 + order 1 + 10 x (line 1 + product 1))
    expect(cost(q)).toBe(1 + 2 * (2 + 10 * 2));
  });

  it('charges mutation root fields 10 unless @cost says otherwise', () => {
    expect(cost('mutation { markNotificationRead(id: "x") { id } }')).toBe(10);
    expect(cost('mutation { placeOrder(input: { lines: [] }) { id } }')).toBe(20);
  });

  it('reads a field with first/last and an edges list as a connection even without @listSize (new fields of other issues)', () => {
    const bare: CostModel = { weights: new Map(), listSizes: new Map() };
    expect(cost('{ products(first: 50) { edges { node { id } } } }', {}, bare)).toBe(1 + 50 * 2);
  });

  it('prices the alias attack far above the ceiling', () => {
    const field = (i: number) => `o${i}: orders(first: 100) { edges { node { lines { product { id } } placedBy { id } } } }`;
    const attack = `{ ${Array.from({ length: 200 }, (_, i) => field(i)).join(' ')} }`;
    expect(cost(attack)).toBe(200 * (1 + 100 * (1 + 1 + 10 * 2 + 1)));
  });
});
