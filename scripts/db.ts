/**
 * `npm run db:migrate` (apply pending migrations, to the shared database and to every dedicated
 * database of `TENANT_DATABASES`; `-- --rolled-back <name>` resolves a failed one)
 * and `npm run db:status` (applied, pending, failed, modified), against `DATABASE_URL` (the owner
 * role). Exit code 1 with one line on failure; `db:status` exits 1 when a migration is failed,
 * modified or pending, so it can gate a deployment.
 */
import { loadConfig } from '../lib/config';
import { migrate, migrationStatus, resolveRolledBack } from '../lib/db/migrate';

async function main(): Promise<number> {
  const [command, flag, name] = process.argv.slice(2);
  const url = loadConfig().database.url;
  if (!url) throw new Error('DATABASE_URL is required (the owner role that runs migrations).');
  if (command === 'migrate') {
    if (flag === '--rolled-back') {
      if (!name) throw new Error('name the failed migration: npm run db:migrate -- --rolled-back <name>');
      console.log((await resolveRolledBack(url, name)) ? `${name} marked as rolled back` : `${name} has no unresolved failure`);
      return 0;
    }
    const applied = await migrate(url);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migration');
    // The dedicated databases of TENANT_DATABASES get the same migrations.
    for (const [key, db] of Object.entries(loadConfig().database.placement.databases)) {
      const done = await migrate(db.url);
      console.log(`${key}: ${done.length ? `applied: ${done.join(', ')}` : 'no pending migration'}`);
    }
    return 0;
  }
  if (command === 'status') {
    const s = await migrationStatus(url);
    for (const n of s.applied) console.log(`applied   ${n}`);
    for (const n of s.pending) console.log(`pending   ${n}`);
    for (const f of s.failed) console.log(`FAILED    ${f.name}: ${f.logs.split('\n')[0]}`);
    for (const n of s.modified) console.log(`MODIFIED  ${n}`);
    return s.failed.length || s.modified.length || s.pending.length ? 1 : 0;
  }
  throw new Error('usage: tsx scripts/db.ts migrate [--rolled-back <name>] | status');
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`db: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    process.exit(1);
  },
);
