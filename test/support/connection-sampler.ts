/**
 * The app role's PostgreSQL connections while a test runs (`pg_stat_activity` of the test's
 * database), for tests that prove a connection budget holds.
 */
import type { OwnerSql } from './database-state';

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
