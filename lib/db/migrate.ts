/**
 * Applies the SQL migrations in prisma/migrations (Prisma's folder layout) in name order, each in its
 * own transaction, and records them in Prisma's `_prisma_migrations` table the way Prisma's
 * migration engine does, so that `prisma migrate deploy` and this runner agree and may be mixed:
 *
 * - **One runner at a time.** The runner holds PostgreSQL's session advisory lock `72707369`, the
 *   key `prisma migrate deploy` takes, for the whole run: replicas starting at once (and a
 *   `prisma migrate deploy` beside them) apply each migration exactly once.
 * - **Checksums** as Prisma computes and accepts them (./migration-checksum.ts); an applied
 *   migration whose file changed stops the run.
 * - **Failures are recorded and block.** A migration that fails is rolled back whole (each runs in a
 *   transaction) and recorded with its error in `logs`, `finished_at` and `rolled_back_at` empty, as
 *   Prisma records it; until that row is resolved, every run refuses to apply anything (Prisma's
 *   P3009). Resolve with `npm run db:migrate -- --rolled-back <name>` after fixing the file (the
 *   migration is then applied again), or `prisma migrate resolve` where Prisma's engine is available.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { checksumMatches, migrationChecksum } from './migration-checksum';

/** Folder holding `<timestamp>_<name>/migration.sql`. */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');
/** The advisory lock key of Prisma's migration engine on PostgreSQL (`SELECT pg_advisory_lock(72707369)`). */
export const PRISMA_MIGRATE_LOCK_KEY = 72_707_369;

/** A migration found on disk. */
export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** Thrown when migrations cannot run: a failed migration is unresolved, or an applied file changed. */
export class MigrationError extends Error {}

/** Lists migrations on disk in the order they apply. */
export function listMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: migrationChecksum(sql) };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/** Where each migration stands (`npm run db:status`). */
export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Failed and not resolved: they block every run. */
  failed: Array<{ name: string; logs: string }>;
  /** Applied migrations whose file no longer matches the recorded checksum. */
  modified: string[];
}

async function withLockedClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    return await fn(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function readStatus(client: Client, dir: string): Promise<MigrationStatus> {
  const { rows } = await client.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at',
  );
  const files = listMigrations(dir);
  const applied = new Map(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r.checksum]));
  return {
    applied: files.filter((f) => applied.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !applied.has(f.name)).map((f) => f.name),
    failed: rows.filter((r) => !r.finished_at && !r.rolled_back_at).map((r) => ({ name: r.migration_name, logs: r.logs ?? '' })),
    modified: files.filter((f) => applied.has(f.name) && !checksumMatches(f.sql, applied.get(f.name)!)).map((f) => f.name),
  };
}

/** The state of every migration of `dir` in the database at `url` (takes the migration lock briefly). */
export function migrationStatus(url: string, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  return withLockedClient(url, (client) => readStatus(client, dir));
}

/**
 * Applies pending migrations to the database at `url`; returns the names applied.
 * @throws MigrationError when a failed migration is unresolved, when an applied migration's file
 *   changed, or when a migration fails (it is then rolled back whole and recorded as failed).
 */
export async function migrate(url: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  return withLockedClient(url, async (client) => {
    const status = await readStatus(client, dir);
    if (status.failed.length) {
      const { name } = status.failed[0]!;
      throw new MigrationError(
        `Migration ${name} failed earlier and is not resolved; no migration will run until it is. Fix it, then run ` +
          `npm run db:migrate -- --rolled-back ${name} (or prisma migrate resolve).`,
      );
    }
    if (status.modified.length) throw new MigrationError(`Migration ${status.modified[0]} was changed after it was applied.`);
    const done: string[] = [];
    for (const m of listMigrations(dir).filter((f) => status.pending.includes(f.name))) {
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [id, m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        const message = (err as Error).message;
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, applied_steps_count) VALUES ($1, $2, $3, $4, 0)`,
          [id, m.checksum, m.name, message],
        );
        throw new MigrationError(`Migration ${m.name} failed: ${message}`);
      }
      done.push(m.name);
    }
    return done;
  });
}

/**
 * Marks the failed migration `name` as rolled back (as `prisma migrate resolve --rolled-back`), so
 * the next run applies it again; returns false when it had no unresolved failure.
 */
export function resolveRolledBack(url: string, name: string): Promise<boolean> {
  return withLockedClient(url, async (client) => {
    const { rowCount } = await client.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [name],
    );
    return (rowCount ?? 0) > 0;
  });
}
