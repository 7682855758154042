/**
 * The four subgraphs and where their schemas live. Runtime code reads the SDL files from here; it
 * never composes (composition is a build step: `npm run compose`, lib/schema/compose.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The four subgraphs, in composition order, with their default ports. */
export const SUBGRAPHS = [
  { name: 'tenant', port: 4001 },
  { name: 'catalog', port: 4002 },
  { name: 'orders', port: 4003 },
  { name: 'notifications', port: 4004 },
] as const;

/** Name of one of the four subgraphs. */
export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** True when `name` names one of the four subgraphs. */
export function isSubgraphName(name: string): name is SubgraphName {
  return SUBGRAPHS.some((s) => s.name === name);
}

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
