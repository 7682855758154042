/**
 * `npm run schema:check`: fails (exit 1) when the supergraph's API schema has breaking changes
 * against the published snapshot, listing them; `npm run schema:publish -- --reason "<why>"`
 * publishes the current API schema (the reason is required when there are breaking changes and goes
 * into schema/CHANGELOG.md). See lib/schema/schema-registry.ts.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import {
  compareSchemas,
  currentApiSchema,
  publishedApiSchema,
  PUBLISHED_SCHEMA_PATH,
  SCHEMA_CHANGELOG_PATH,
  changelogEntry,
} from '../lib/schema/schema-registry';

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const reasonAt = rest.indexOf('--reason');
  const reason = reasonAt >= 0 ? rest[reasonAt + 1]?.trim() : undefined;
  const current = currentApiSchema();
  const published = publishedApiSchema();
  const comparison = published ? await compareSchemas(published, current) : { breaking: [], dangerous: [], safe: [] };
  const list = (label: string, changes: { message: string }[]) => changes.forEach((c) => console.log(`${label} ${c.message}`));
  list('BREAKING ', comparison.breaking);
  list('dangerous', comparison.dangerous);
  list('safe     ', comparison.safe);
  if (command === 'check') {
    if (!published) {
      console.error('schema: no published API schema (schema/api-schema.graphql); run npm run schema:publish.');
      return 1;
    }
    if (comparison.breaking.length) {
      console.error(
        `schema: ${comparison.breaking.length} breaking change(s) against the published API schema; ` +
          'make them additive, or publish deliberately: npm run schema:publish -- --reason "<why clients can live with it>"',
      );
      return 1;
    }
    const pending = comparison.dangerous.length + comparison.safe.length;
    console.log(
      pending
        ? `schema: no breaking change (${pending} additive; npm run schema:publish records them).`
        : 'schema: the published API schema is current.',
    );
    return 0;
  }
  if (command === 'publish') {
    if (comparison.breaking.length && !reason) {
      console.error('schema: breaking changes need a reason: npm run schema:publish -- --reason "<why>"');
      return 1;
    }
    writeFileSync(PUBLISHED_SCHEMA_PATH, current);
    const changes = [...comparison.breaking, ...comparison.dangerous, ...comparison.safe];
    if (!existsSync(SCHEMA_CHANGELOG_PATH)) writeFileSync(SCHEMA_CHANGELOG_PATH, '# Published API schema changes\n\n');
    if (changes.length || !published) {
      const date = new Date().toISOString().slice(0, 10);
      appendFileSync(
        SCHEMA_CHANGELOG_PATH,
        published ? changelogEntry(date, reason, comparison) : `- ${date}: ${reason ?? 'first publication'}\n`,
      );
    }
    console.log('schema: published schema/api-schema.graphql');
    return 0;
  }
  console.error('usage: npm run schema:check | npm run schema:publish -- [--reason "<why>"]');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`schema: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
