import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { listMigrations, migrate } from '../../lib/db/migrate';

async function freshDatabase(): Promise<string> {
  const template = process.env.TEST_TEMPLATE_DATABASE_URL!;
  const name = `m_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: template.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return template.replace(/\/[^/]+$/, `/${name}`);
}

describe('migrate', () => {
  it('applies every migration once, recorded in _prisma_migrations with its SHA-256 checksum', async () => {
    const url = await freshDatabase();
    const files = listMigrations();
    expect(await migrate(url)).toEqual(files.map((f) => f.name));
    expect(await migrate(url)).toEqual([]);
    const client = new Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name');
    await client.end();
    expect(rows).toEqual(files.map((f) => ({ migration_name: f.name, checksum: f.checksum })));
  });

  it('rolls back a failing migration whole and records nothing', async () => {
    const url = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    mkdirSync(join(dir, '001_ok'));
    writeFileSync(join(dir, '001_ok', 'migration.sql'), 'CREATE TABLE a (id int);');
    mkdirSync(join(dir, '002_bad'));
    writeFileSync(join(dir, '002_bad', 'migration.sql'), 'CREATE TABLE b (id int); SELECT * FROM missing_table;');
    await expect(migrate(url, dir)).rejects.toThrow(/002_bad failed/);
    const client = new Client({ connectionString: url });
    await client.connect();
    const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    const recorded = await client.query('SELECT migration_name FROM _prisma_migrations');
    await client.end();
    expect(tables.rows.map((r) => r.tablename)).toEqual(['_prisma_migrations', 'a']);
    expect(recorded.rows.map((r) => r.migration_name)).toEqual(['001_ok']);
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const url = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    mkdirSync(join(dir, '001_x'));
    writeFileSync(join(dir, '001_x', 'migration.sql'), 'CREATE TABLE x (id int);');
    await migrate(url, dir);
    writeFileSync(join(dir, '001_x', 'migration.sql'), 'CREATE TABLE x (id bigint);');
    await expect(migrate(url, dir)).rejects.toThrow(/changed after it was applied/);
  });
});
