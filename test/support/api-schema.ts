/**
 * The gateway's API schema for unit tests of the code that validates against it: the four subgraph
 * SDLs composed in process (test/schema/supergraph.test.ts checks that this composition is the
 * committed supergraph), then reduced to the API schema the way the gateway reduces it. No network:
 * unlike `new ApolloGateway()`, which starts Apollo's usage telemetry and its cloud metadata lookups
 * unless `APOLLO_TELEMETRY_DISABLED` is set.
 */
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLSchema } from 'graphql';
import { SUBGRAPHS, readSubgraphSdl } from '../../lib/schema/subgraphs';

/**
 * Composes the subgraphs and returns the API schema.
 * @throws Error with the first composition error when the subgraphs do not compose.
 */
export function loadApiSchema(): GraphQLSchema {
  const result = composeServices(
    SUBGRAPHS.map(({ name, port }) => ({ name, url: `http://localhost:${port}/graphql`, typeDefs: parse(readSubgraphSdl(name)) })),
  );
  if (result.errors) throw new Error(`Composition failed: ${result.errors[0]!.message}`);
  return result.schema.toAPISchema().toGraphQLJSSchema();
}
