import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { checksumMatches, migrationChecksum } from '../../lib/db/migration-checksum';
import { listMigrations, migrate, migrationStatus, resolveRolledBack, PRISMA_MIGRATE_LOCK_KEY } from '../../lib/db/migrate';
import { spawnTsx } from '../support/processes';

async function freshDatabase(): Promise<string> {
  const template = process.env.TEST_TEMPLATE_DATABASE_URL!;
  const name = `m_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: template.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return template.replace(/\/[^/]+$/, `/${name}`);
}

async function query<R extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('migrate', () => {
  it('applies every migration once, recorded in _prisma_migrations with its SHA-256 checksum', async () => {
    const url = await freshDatabase();
    const files = listMigrations();
    expect(await migrate(url)).toEqual(files.map((f) => f.name));
    expect(await migrate(url)).toEqual([]);
    const rows = await query(url, 'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name');
    expect(rows).toEqual(files.map((f) => ({ migration_name: f.name, checksum: f.checksum })));
  });

  it('applies each migration exactly once when two replicas (processes) start at once', async () => {
    const url = await freshDatabase();
    const replicas = [0, 1].map(() => spawnTsx('scripts/db.ts', { DATABASE_URL: url }, ['migrate']));
    const exits = await Promise.all(replicas.map((r) => r.exited));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    const outputs = replicas.map((r) => r.output().trim()).sort();
    expect(outputs[0]).toMatch(/^applied: /);
    expect(outputs[1]).toBe('no pending migration');
    const recorded = await query<{ migration_name: string; n: number }>(
      url,
      'SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name',
    );
    expect(recorded).toEqual(listMigrations().map((f) => ({ migration_name: f.name, n: 1 })));
  });

  it('waits for a holder of Prisma’s advisory lock key before migrating', async () => {
    const url = await freshDatabase();
    const holder = new Client({ connectionString: url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    let done = false;
    const running = migrate(url).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    await holder.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    await holder.end();
    await running;
    expect(done).toBe(true);
  });

  it('rolls back a failing migration whole, records it as failed, and refuses to run until it is resolved', async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({ '001_ok': 'CREATE TABLE a (id int);', '002_bad': 'CREATE TABLE b (id int); SELECT * FROM missing_table;' });
    await expect(migrate(url, dir)).rejects.toThrow(/002_bad failed/);
    const tables = await query<{ tablename: string }>(
      url,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.map((r) => r.tablename)).toEqual(['_prisma_migrations', 'a']);
    const recorded = await query(
      url,
      'SELECT migration_name, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(recorded).toEqual([
      { migration_name: '001_ok', finished_at: expect.any(Date), rolled_back_at: null, logs: null },
      { migration_name: '002_bad', finished_at: null, rolled_back_at: null, logs: expect.stringContaining('missing_table') },
    ]);
    expect((await migrationStatus(url, dir)).failed.map((f) => f.name)).toEqual(['002_bad']);
    // Fixed file: still refused until resolved.
    writeFileSync(join(dir, '002_bad', 'migration.sql'), 'CREATE TABLE b (id int);');
    await expect(migrate(url, dir)).rejects.toThrow(/002_bad failed earlier and is not resolved/);
    expect(await resolveRolledBack(url, '002_bad')).toBe(true);
    expect(await migrate(url, dir)).toEqual(['002_bad']);
    expect(await migrationStatus(url, dir)).toEqual({ applied: ['001_ok', '002_bad'], pending: [], failed: [], modified: [] });
  });

  it('refuses to run when an applied migration file was edited, and accepts the checksum variants Prisma accepts', async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({ '001_x': 'CREATE TABLE x (id int);\nCREATE TABLE y (id int);\n' });
    await migrate(url, dir);
    // Line endings converted by a checkout on another platform: still the same migration.
    writeFileSync(join(dir, '001_x', 'migration.sql'), 'CREATE TABLE x (id int);\r\nCREATE TABLE y (id int);\r\n');
    expect(await migrate(url, dir)).toEqual([]);
    writeFileSync(join(dir, '001_x', 'migration.sql'), 'CREATE TABLE x (id bigint);\nCREATE TABLE y (id int);\n');
    await expect(migrate(url, dir)).rejects.toThrow(/changed after it was applied/);
  });
});

describe('checksumMatches', () => {
  it('accepts the padded checksum, CRLF/LF variants and the legacy unpadded rendering; nothing else', () => {
    const sql = 'SELECT 1;\n';
    const padded = migrationChecksum(sql);
    expect(padded).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumMatches(sql, padded)).toBe(true);
    expect(checksumMatches('SELECT 1;\r\n', padded)).toBe(true);
    expect(checksumMatches(sql, migrationChecksum('SELECT 1;\r\n'))).toBe(true);
    // Find content whose digest has a byte below 0x10, so the legacy rendering is shorter.
    let content = '';
    for (let i = 0; ; i++) {
      content = `SELECT ${i};`;
      if (
        migrationChecksum(content)
          .match(/../g)!
          .some((h) => h.startsWith('0'))
      )
        break;
    }
    const legacy = migrationChecksum(content)
      .match(/../g)!
      .map((h) => parseInt(h, 16).toString(16))
      .join('');
    expect(legacy.length).toBeLessThan(64);
    expect(checksumMatches(content, legacy)).toBe(true);
    expect(checksumMatches('SELECT 2;', padded)).toBe(false);
  });
});
