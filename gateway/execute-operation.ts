/**
 * Runs one GraphQL operation through the gateway's Apollo Server for a principal, outside the HTTP
 * handler: queries and mutations sent over graphql-ws, and the live queries of subscriptions. It
 * goes through Apollo's whole request pipeline (validation, the query plan, the subgraph calls with
 * the principal's credential, `formatError`'s masking), so the result is what an HTTP client with
 * the same principal would get.
 *
 * The answer is a graphql-js `ExecutionResult` whose errors are `GraphQLError` instances rebuilt
 * from Apollo's formatted (already masked) errors: graphql-ws serializes errors with
 * `GraphQLError.toJSON` and fails on plain objects.
 */
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { domainError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Principal } from '../lib/principal';
import type { GatewayContext } from './gateway-context';

/** A GraphQL request: the document's text, the operation to run and its variables. */
export interface OperationRequest {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

/** `INTERNAL_SERVER_ERROR` with the generic message clients see for any server-side failure. */
export function internalServerError(): GraphQLError {
  return domainError('INTERNAL_SERVER_ERROR', 'Internal server error.');
}

/** A `GraphQLError` with the message, path and extensions of a formatted error (its locations are dropped). */
export function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, { path: error.path, extensions: error.extensions });
}

/**
 * Executes `request` as `principal` through `apollo` and maps the response to an `ExecutionResult`:
 * `data` (null when absent), `errors` as `GraphQLError`s (only when there are some) and Apollo's
 * response `extensions`. Never rejects: an exception, or an incremental (`@defer`/`@stream`)
 * response, which the gateway does not serve here, is logged with `logger` and answered
 * `{ errors: [INTERNAL_SERVER_ERROR] }` (no data, as for a request that could not run).
 */
export async function executeOperation(
  apollo: ApolloServer<GatewayContext>,
  principal: Principal,
  request: OperationRequest,
  logger: Logger,
): Promise<ExecutionResult> {
  try {
    const response = await apollo.executeOperation(request, { contextValue: { principal } });
    if (response.body.kind !== 'single') {
      logger.error({ kind: response.body.kind }, 'gateway operation: unexpected incremental result');
      return { errors: [internalServerError()] };
    }
    const { data, errors, extensions } = response.body.singleResult;
    return {
      data: (data ?? null) as ExecutionResult['data'],
      ...(errors?.length ? { errors: errors.map(toGraphQLError) } : {}),
      ...(extensions ? { extensions } : {}),
    };
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'gateway operation failed');
    return { errors: [internalServerError()] };
  }
}
