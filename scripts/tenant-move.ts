/**
 * `npm run tenant:move -- <tenant-slug> <target>`: moves a tenant from the shared database to the
 * dedicated database `<target>` (a key of `TENANT_DATABASES`) or back (`shared`), as the owner
 * role (`DATABASE_URL`, default: the embedded PostgreSQL of `npm start`; `TENANT_DATABASES`); see lib/db/tenant-move.ts and the README's
 * "Dedicated databases". Its writes pause for the copy; reads go on. It waits
 * `TENANT_PLACEMENT_TTL_MS` plus one second after the switch before deleting the tenant's rows
 * from the source, so run it with the services' value. Exit code 0 with a summary, 1 with one line
 * saying what happened and what to do.
 */
import { loadConfig } from '../lib/config';
import { embeddedDatabaseUrl } from '../lib/db/embedded-postgres';
import { moveTenant } from '../lib/db/tenant-move';

async function main(): Promise<number> {
  const [slug, target, ...rest] = process.argv.slice(2);
  if (!slug || !target || rest.length) throw new Error('usage: npm run tenant:move -- <tenant-slug> <shared|database-key>');
  const config = loadConfig();
  // Without DATABASE_URL: the embedded PostgreSQL of `npm start`.
  const shared = config.database.url ?? embeddedDatabaseUrl(config.database.embeddedPort);
  const dedicated = Object.fromEntries(Object.entries(config.database.placement.databases).map(([key, db]) => [key, db.url]));
  const report = await moveTenant({ shared, dedicated }, slug, target, {
    settleMs: config.database.placement.ttlMs + 1_000,
    log: (line) => console.log(line),
  });
  const rows = Object.entries(report.rows)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
  console.log(
    report.action === 'moved'
      ? `moved ${report.slug} (${report.tenantId}) from ${report.from} to ${report.to}: ${rows}`
      : `${report.slug} (${report.tenantId}) already lives in ${report.to}: repaired${report.cleaned.length ? `, leftover rows deleted from ${report.cleaned.join(', ')}` : ''}`,
  );
  console.log(`checksum ${report.checksum}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`tenant:move: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    process.exit(1);
  },
);
