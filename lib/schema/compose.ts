/**
 * Build-time composition (`npm run compose`, and the test that fails on a stale supergraph): uses
 * `@apollo/composition`, a devDependency, so no runtime module may import this file.
 */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS, readSubgraphSdl } from './subgraphs';

/**
 * Composes the four subgraph SDLs into supergraph SDL. The routing URLs are the default local ports;
 * the gateway overrides them from its configuration at start-up.
 * @throws Error listing every composition error when the subgraphs do not compose.
 */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name, port }) => ({
      name,
      url: `http://localhost:${port}/graphql`,
      typeDefs: parse(readSubgraphSdl(name)),
    })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl.trimEnd() + '\n';
}
