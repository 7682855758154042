/**
 * The monolith baseline as a process (bench/supergraph/federation-tax.bench.ts starts it): `tsx
 * bench/monolith/monolith-server.ts` serves bench/monolith/monolith.schema.ts with one Apollo Server
 * at `http://127.0.0.1:$PORT/graphql`, on the same `node:http` handler as the subgraphs and the
 * gateway (lib/http/graphql-http-handler.ts), authenticating each request's bearer JWT as the
 * gateway does (gateway/auth/principal.ts, same configuration variables as the README's), over the
 * app role of `DATABASE_URL` (row-level security, as the subgraphs). With `STATS_PORT` set, `GET
 * http://127.0.0.1:$STATS_PORT/sql` answers the SQL statements run so far (counting them turns on
 * Prisma's query events, which cost CPU: the benchmark counts on another instance than the one it
 * measures). Prints `MONOLITH READY` once listening; exits on SIGTERM.
 */
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { JwtVerifier } from '../../gateway/auth/jwt-verifier';
import { authenticate } from '../../gateway/auth/principal';
import { loadConfig } from '../../lib/config';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-http-handler';
import { createLogger } from '../../lib/logger';
import { createInfrastructure } from '../../apps/infrastructure';
import { useNodeCryptoForQueryHashes } from '../../lib/runtime/apollo-query-hash';
import { buildMonolith, type MonolithContext } from './monolith.schema';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('monolith', config.logLevel);
  let sql = 0;
  const statsPort = process.env.STATS_PORT ? Number(process.env.STATS_PORT) : undefined;
  const infra = createInfrastructure(config, logger, statsPort === undefined ? {} : { onQuery: () => void sql++ });
  await infra.database.ready();
  const monolith = buildMonolith({ database: infra.database, eventLog: infra.eventLog, logger });
  const verifier = new JwtVerifier(config.jwt);
  useNodeCryptoForQueryHashes(); // as the subgraphs and the gateway do
  const server = new ApolloServer<MonolithContext>({
    schema: monolith.schema,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    // Cache control off, as in the subgraphs (subgraphs/shared/subgraph-server.ts): same Apollo settings on both sides.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await server.start();
  const http = createServer(
    createGraphQLHttpHandler({
      server,
      service: 'monolith',
      context: async ({ req }) => monolith.context(await authenticate(verifier, req.headers)),
    }),
  );
  await new Promise<void>((resolve) => http.listen(config.gateway.port, '127.0.0.1', resolve));
  if (statsPort !== undefined) {
    const stats = createServer((_req, res) => res.end(String(sql)));
    await new Promise<void>((resolve) => stats.listen(statsPort, '127.0.0.1', resolve));
  }
  console.log('MONOLITH READY');
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
