/**
 * A second PostgreSQL for the placement tests: an embedded server of its own (lib/db/embedded-postgres.ts,
 * in a child process: test/support/embedded-postgres.process.ts) on a free port with an ephemeral data folder, migrated like the shared database (same tables, app role, row-level
 * security), plus the stack configuration that names it as a dedicated database.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { AppConfig } from '../../lib/config';
import { migrate } from '../../lib/db/migrate';
import { spawnTsx, waitUntil } from './processes';
import { freePort } from './redis-server';

/** A running dedicated database. */
export interface DedicatedDatabase {
  /** Its key in the configuration. */
  key: string;
  /** Owner URL (a superuser: sees every row, for assertions). */
  url: string;
  /** Runs `text` as the owner. */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** `config` with this database in `TENANT_DATABASES` and the placement settings of the tests. */
  configure(config: AppConfig): AppConfig;
  stop(): Promise<void>;
}

/** Starts and migrates a dedicated database named `key`. */
export async function startDedicatedDatabase(key: string): Promise<DedicatedDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `supergraph-test-${key}-`));
  const child = spawnTsx('test/support/embedded-postgres.process.ts', {}, [String(await freePort()), dataDir, `tenant_${key}`]);
  let url: string | undefined;
  await waitUntil(
    () => {
      url = /^ready (\S+)$/m.exec(child.output())?.[1];
      if (!url && child.child.exitCode !== null) throw new Error(`the embedded PostgreSQL did not start: ${child.output()}`);
      return url !== undefined;
    },
    `the embedded PostgreSQL of ${key}`,
    60_000,
  );
  const server = { url: url!, stop: async () => void (await child.kill('SIGTERM')) };
  await migrate(server.url);
  const client = new Client({ connectionString: server.url });
  await client.connect();
  return {
    key,
    url: server.url,
    async sql(text, params) {
      return (await client.query(text, params)).rows;
    },
    configure: (config) => ({
      ...config,
      database: {
        ...config.database,
        placement: { ...config.database.placement, databases: { [key]: { url: server.url } }, ttlMs: 300, writePauseWaitMs: 15_000 },
      },
    }),
    async stop() {
      await client.end();
      await server.stop();
    },
  };
}
