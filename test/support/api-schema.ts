/**
 * The gateway's API schema, built in process from the committed supergraph the way the gateway
 * builds it (`@apollo/gateway` with a static supergraph SDL: no network), for unit tests of the
 * code that validates against it.
 */
import { ApolloGateway } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import { readCommittedSupergraph } from '../../lib/schema/compose';

/** Loads the API schema of `schema/supergraph.graphql`. */
export async function loadApiSchema(): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl: readCommittedSupergraph(), logger: silent });
  try {
    return (await gateway.load()).schema;
  } finally {
    await gateway.stop();
  }
}

const noop = () => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop };
