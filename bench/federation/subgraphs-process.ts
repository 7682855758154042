/**
 * Runs the four benchmark subgraphs in one process and prints `SUBGRAPHS <json of name -> url>`;
 * SIGTERM stops them.
 */
import { BENCH_SUBGRAPHS, startBenchSubgraph } from './subgraphs';

async function main(): Promise<void> {
  const running = await Promise.all(BENCH_SUBGRAPHS.map((name) => startBenchSubgraph(name)));
  process.stdout.write(`SUBGRAPHS ${JSON.stringify(Object.fromEntries(running.map((s) => [s.name, s.url])))}\n`);
  process.once('SIGTERM', () => {
    void Promise.all(running.map((s) => s.close())).finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
