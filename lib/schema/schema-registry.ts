/**
 * A schema registry in the repository: the API schema clients see (the committed supergraph reduced
 * to its API schema, printed in a stable order) is compared with the last published snapshot,
 * `schema/api-schema.graphql`, by `@graphql-inspector/core`'s differ. Breaking changes (a removed
 * field, a narrowed type, a new required argument, ...) fail `npm run schema:check` until they are
 * published deliberately with `npm run schema:publish -- --reason "<why>"`, which rewrites the
 * snapshot and adds a line to `schema/CHANGELOG.md`. Additive changes pass the check; publishing
 * them only refreshes the snapshot.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { readCommittedSupergraph } from './subgraphs';

/** The published API schema snapshot. */
export const PUBLISHED_SCHEMA_PATH = join(__dirname, '..', '..', 'schema', 'api-schema.graphql');
/** The changelog of published schema changes. */
export const SCHEMA_CHANGELOG_PATH = join(__dirname, '..', '..', 'schema', 'CHANGELOG.md');

/** The API schema of `supergraphSdl` (default: the committed supergraph), printed in lexicographic order. */
export function currentApiSchema(supergraphSdl = readCommittedSupergraph()): string {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  return printSchema(lexicographicSortSchema(api)) + '\n';
}

/** The published snapshot, or undefined before the first publication. */
export function publishedApiSchema(path = PUBLISHED_SCHEMA_PATH): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The changes from `published` to `current`, split by criticality. */
export interface SchemaComparison {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
}

/** Compares two printed schemas with graphql-inspector. */
export async function compareSchemas(published: string, current: string): Promise<SchemaComparison> {
  const changes = await diff(buildSchema(published), buildSchema(current));
  const of = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  return { breaking: of(CriticalityLevel.Breaking), dangerous: of(CriticalityLevel.Dangerous), safe: of(CriticalityLevel.NonBreaking) };
}

/**
 * One entry of schema/CHANGELOG.md for a publication on `date` (YYYY-MM-DD): the reason, then one
 * line per change, breaking ones first, each marked with its criticality; changes of descriptions
 * only are counted, not listed (they change no client's behaviour).
 */
export function changelogEntry(date: string, reason: string | undefined, comparison: SchemaComparison): string {
  const lines: string[] = [];
  let descriptions = 0;
  const levels: Array<[string, Change[]]> = [
    ['breaking', comparison.breaking],
    ['dangerous', comparison.dangerous],
    ['safe', comparison.safe],
  ];
  for (const [label, changes] of levels) {
    for (const change of changes) {
      if (label === 'safe' && /DESCRIPTION/.test(change.type)) descriptions++;
      else lines.push(`  - ${label}: ${change.message.replace(/\s*\n\s*/g, ' ')}`);
    }
  }
  if (descriptions > 0) lines.push(`  - ${descriptions} description${descriptions === 1 ? '' : 's'} added or changed`);
  return [`- ${date}${reason ? `: ${reason}` : ''}`, ...lines].join('\n') + '\n';
}
