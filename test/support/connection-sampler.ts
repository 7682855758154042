/**
 * The app role's PostgreSQL connections while a test runs (`pg_stat_activity` of the test's
 * database), for tests that prove a connection budget holds.
 */
import type { AppConfig } from '../../lib/config';
import type { OwnerSql } from './database-state';

/** The small connection budget of the budget tests: a shared pool of 6 and two tenant pools of 4. */
export const SMALL_BUDGET = 14;

/** `config` with {@link SMALL_BUDGET} and user budgets no budget test spends (what is tested is connections). */
export function withSmallConnectionBudget(config: AppConfig): AppConfig {
  return {
    ...config,
    database: { ...config.database, connectionBudget: SMALL_BUDGET, sharedPoolSize: 6, tenantPoolSize: 4 },
    admission: { ...config.admission, user: { requestsPerMinute: 1_000_000, costPerMinute: 100_000_000 } },
  };
}

/** Connections of `supergraph_app` to the current database now. */
export async function appConnectionCount(sql: OwnerSql): Promise<number> {
  const [row] = await sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'supergraph_app' AND datname = current_database()",
  );
  return row!.n;
}

/** Samples {@link appConnectionCount} every `everyMs` until `stop()`, which resolves with the most seen. */
export function sampleAppConnections(sql: OwnerSql, everyMs = 20): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      peak = Math.max(peak, await appConnectionCount(sql));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return peak;
    },
  };
}
