/**
 * The database of a benchmark: a temporary, ephemeral embedded PostgreSQL, migrated and seeded with
 * the demo data, every tenant on the plan no benchmark spends (bench/unbounded-budgets.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { freePort } from './proc';
import { unboundedPlans } from './unbounded-budgets';

/** A running benchmark database. */
export interface BenchDatabase {
  /** The owner role's URL. */
  url: string;
  /** PID of the postmaster (its CPU, with `cpuSeconds(pid, true)`, includes the exited backends). */
  postmaster: number;
  stop(): Promise<void>;
}

/**
 * Starts, migrates and seeds database `name` on a free port. With `unlimitedStock`, every product's
 * stock is set to 100,000,000, so that the orders a benchmark places never run out.
 */
export async function startBenchDatabase(name: string, options: { unlimitedStock?: boolean } = {}): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'supergraph-bench-pg-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: name, ephemeral: true });
  try {
    await migrate(db.url);
    await seedDemoData(db.url);
    await unboundedPlans(db.url); // the benchmarks measure the supergraph, not the budgets (bench/isolation.bench.ts does)
    if (options.unlimitedStock) {
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      await pg.query('UPDATE products SET stock = 100000000').finally(() => pg.end());
    }
  } catch (err) {
    await db.stop();
    throw err;
  }
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { url: db.url, postmaster, stop: () => db.stop() };
}
