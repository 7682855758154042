import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/** The four subgraphs, in composition order, with their default ports (CONTRACT.md). */
export const SUBGRAPHS = [
  { name: 'tenant', port: 4001 },
  { name: 'catalog', port: 4002 },
  { name: 'orders', port: 4003 },
  { name: 'notifications', port: 4004 },
] as const;

/** Name of one of the four subgraphs. */
export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** Absolute path of the schema folder. */
export const SCHEMA_DIR = join(__dirname, '..', '..', 'schema');
/** Absolute path of the committed supergraph SDL. */
export const SUPERGRAPH_PATH = join(SCHEMA_DIR, 'supergraph.graphql');

/** Reads a subgraph's Federation 2 SDL from `schema/<name>.graphql`. */
export function readSubgraphSdl(name: SubgraphName): string {
  return readFileSync(join(SCHEMA_DIR, `${name}.graphql`), 'utf8');
}

/** Reads the committed `schema/supergraph.graphql`. */
export function readCommittedSupergraph(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}

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
