/**
 * `npm start`: the whole supergraph in one process on the embedded default: an embedded PostgreSQL
 * (unless DATABASE_URL is set), migrations, the demo seed, four subgraphs and the gateway; the
 * in-process event log unless REDIS_URL is set. Prints dev tokens and a sample query. Ctrl-C stops it.
 */
import { loadConfig } from '../lib/config';
import { mintDevToken } from '../lib/auth/dev-token';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { createLogger } from '../lib/logger';
import { startLocalSupergraph } from './local-supergraph';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('supergraph', config.logLevel);
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info('starting embedded PostgreSQL (data in .data/postgres)');
    embedded = await startEmbeddedPostgres({ port: Number(process.env.EMBEDDED_PG_PORT ?? 5433) });
    databaseUrl = embedded.url;
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  if (await seedDemoData(databaseUrl)) logger.info('demo data seeded');
  if (!config.redisUrl) {
    logger.warn('REDIS_URL is not set: using the in-process event log (single process only; events are lost on restart)');
  }
  // The services connect as the app role (APP_DATABASE_URL, default: this URL with the app role).
  const supergraph = await startLocalSupergraph({ databaseUrl, appDatabaseUrl: config.appDatabaseUrl, redisUrl: config.redisUrl, logger });

  const owner = await mintDevToken({ tenant: 'acme', user: 'owner@acme.test' });
  const staff = await mintDevToken({ tenant: 'acme', user: 'staff@acme.test' });
  const globex = await mintDevToken({ tenant: 'globex', user: 'owner@globex.test' });
  const admin = await mintDevToken({ tenant: 'platform', user: 'admin@platform.test' });
  const sample = `curl -s ${supergraph.gatewayUrl} -H 'content-type: application/json' \\
  -H "authorization: Bearer $TOKEN" \\
  -d '{"query":"{ me { email } tenant { name } products(first: 3) { edges { node { name price { amount currency } stock } } } }"}'`;
  console.log(`
Supergraph ready
  gateway        ${supergraph.gatewayUrl}  (WebSocket ${supergraph.wsUrl})
  subgraphs      ${Object.entries(supergraph.subgraphUrls)
    .map(([n, u]) => `${n} ${u}`)
    .join(', ')}
  event log      ${supergraph.eventLog.kind === 'redis' ? `Redis ${config.redisUrl}` : 'in-process (set REDIS_URL for Redis Streams)'}

Dev tokens (1 hour; more with: npm run token -- --tenant acme --user owner@acme.test)
  owner@acme.test    (catalog:write orders:write tenant:admin)
    ${owner}
  staff@acme.test    (read only)
    ${staff}
  owner@globex.test  (catalog:write orders:write tenant:admin)
    ${globex}
  admin@platform.test (platform:admin; send x-tenant-id to act for a tenant)
    ${admin}

Sample query:
  TOKEN=${owner}
  ${sample}

Live updates: npm run demo   |   Ctrl-C stops everything.
`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await supergraph.stop();
    await embedded?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  // embedded-postgres installs SIGINT/SIGTERM hooks (async-exit-hook) that stop PostgreSQL and exit at
  // once, racing the drain below; this handler stops the database last instead.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`Start-up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
