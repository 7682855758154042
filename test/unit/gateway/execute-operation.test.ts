import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { domainError } from '../../../lib/errors';
import type { Logger } from '../../../lib/logger';
import { createLogger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { executeOperation } from '../../../gateway/execute-operation';
import type { GatewayContext } from '../../../gateway/gateway-context';

const principal: Principal = { tenantId: 't1', userId: 'u1', scopes: [], requestId: 'r1' };
const silent = createLogger('test', 'silent');

/** A logger that records the messages of its error calls. */
function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const logger = { errors, error: (_obj: unknown, msg: string) => void errors.push(msg), child: () => logger };
  return logger as unknown as Logger & { errors: string[] };
}

describe('executeOperation', () => {
  let apollo: ApolloServer<GatewayContext>;
  beforeAll(async () => {
    apollo = new ApolloServer<GatewayContext>({
      typeDefs: 'type Query { me: String, order(id: ID!): Order } type Order { id: ID!, status: String }',
      resolvers: {
        Query: {
          me: (_root: unknown, _args: unknown, ctx: GatewayContext) => ctx.principal.userId,
          order: (_root: unknown, args: { id: string }) => {
            if (args.id === 'missing') throw domainError('NOT_FOUND', 'Order missing was not found.');
            return { id: args.id, status: 'PENDING' };
          },
        },
      },
    });
    await apollo.start();
  });
  afterAll(() => apollo.stop());

  it('runs the operation with the principal as context and answers its data without errors', async () => {
    const result = await executeOperation(
      apollo,
      principal,
      { query: 'query Q($id: ID!) { me order(id: $id) { id } }', variables: { id: 'o1' } },
      silent,
    );
    expect(result).toEqual({ data: { me: 'u1', order: { id: 'o1' } } });
  });

  it('answers errors as GraphQLError instances that serialize to message, path and extensions (graphql-ws needs instances)', async () => {
    const result = await executeOperation(apollo, principal, { query: '{ me order(id: "missing") { id } }' }, silent);
    expect(result.data).toEqual({ me: 'u1', order: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toBeInstanceOf(GraphQLError);
    expect(JSON.parse(JSON.stringify(result.errors![0]))).toEqual({
      message: 'Order missing was not found.',
      path: ['order'],
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('answers a request Apollo refuses (validation) with data null and the error', async () => {
    const result = await executeOperation(apollo, principal, { query: '{ nope }' }, silent);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]).toBeInstanceOf(GraphQLError);
    expect(result.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('never rejects: an exception becomes INTERNAL_SERVER_ERROR without its message, and is logged', async () => {
    const failing = { executeOperation: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:4003')) };
    const logger = recordingLogger();
    const result = await executeOperation(failing as unknown as ApolloServer<GatewayContext>, principal, { query: '{ me }' }, logger);
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((e) => ({ message: e.message, code: e.extensions.code }))).toEqual([
      { message: 'Internal server error.', code: 'INTERNAL_SERVER_ERROR' },
    ]);
    expect(logger.errors).toEqual(['gateway operation failed']);
  });

  it('answers an incremental response (@defer), which it does not serve, with INTERNAL_SERVER_ERROR', async () => {
    const incremental = { executeOperation: async () => ({ http: {}, body: { kind: 'incremental' } }) };
    const logger = recordingLogger();
    const result = await executeOperation(incremental as unknown as ApolloServer<GatewayContext>, principal, { query: '{ me }' }, logger);
    expect(result.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(logger.errors).toHaveLength(1);
  });
});
