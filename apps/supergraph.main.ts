/**
 * `npm start`: the whole supergraph in one process on the embedded default: an embedded PostgreSQL
 * (unless DATABASE_URL is set), migrations, the demo seed, four subgraphs and the gateway; the
 * in-process event log unless REDIS_URL is set. Prints dev tokens and a sample query (the
 * `platform:admin` token only with PRINT_PLATFORM_ADMIN_TOKEN=true: it acts for any tenant). Ctrl-C
 * stops the services first and the database last.
 */
import { devTokenSettings, mintDevToken } from '../lib/auth/dev-token';
import { ensureDatabaseExists, startEmbeddedPostgres, type EmbeddedDatabase } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { hasRedis } from '../lib/config';
import { seedDemoData } from '../lib/db/seed';
import type { Logger } from '../lib/logger';
import { buildDashboardIfStale } from './dashboard-build';
import { startDashboardServer, type DashboardServer } from './dashboard-server';
import { ideDevTokens } from './ide-dev-tokens';
import { startLocalSupergraph, type LocalSupergraph } from './local-supergraph';
import { runProcess } from './run-process';

/** The banner `npm start` prints once everything listens. */
async function banner(supergraph: LocalSupergraph, redis: string | undefined, dashboard?: DashboardServer): Promise<string> {
  const settings = devTokenSettings(supergraph.config.jwt);
  const token = (tenant: string, user: string) => mintDevToken({ tenant, user, ...settings });
  const [owner, staff, globex] = await Promise.all([
    token('acme', 'owner@acme.test'),
    token('acme', 'staff@acme.test'),
    token('globex', 'owner@globex.test'),
  ]);
  const admin = supergraph.config.printPlatformAdminToken
    ? `  admin@platform.test (platform:admin; send x-tenant-id to act for a tenant)\n    ${await token('platform', 'admin@platform.test')}`
    : '  admin@platform.test (platform:admin): not printed; PRINT_PLATFORM_ADMIN_TOKEN=true prints it, or\n    npm run token -- --tenant platform --user admin@platform.test';
  const subgraphs = Object.entries(supergraph.subgraphUrls)
    .map(([n, u]) => `${n} ${u}`)
    .join(', ');
  return `
Supergraph ready
  gateway        ${supergraph.gatewayUrl}  (WebSocket ${supergraph.wsUrl}; SSE: accept text/event-stream)
  GraphQL IDE    ${supergraph.config.gateway.ide ? `${supergraph.gatewayUrl}  (open it in a browser; development tokens offered)` : 'off (GRAPHQL_IDE=false)'}
  dashboard      ${dashboard ? `${dashboard.url}  (example: examples/dashboard; sign in with a development token)` : 'off (development only)'}
  subgraphs      ${subgraphs}
  event log      ${redis ? `Redis ${redis}` : 'in-process (set REDIS_URL for Redis Streams)'}

Dev tokens (1 hour; more with: npm run token -- --tenant acme --user owner@acme.test)
  owner@acme.test    (catalog:write orders:write tenant:admin)
    ${owner}
  staff@acme.test    (read only)
    ${staff}
  owner@globex.test  (catalog:write orders:write tenant:admin)
    ${globex}
${admin}

Sample query:
  TOKEN=${owner}
  curl -s ${supergraph.gatewayUrl} -H 'content-type: application/json' \\
  -H "authorization: Bearer $TOKEN" \\
  -d '{"query":"{ me { email } tenant { name } products(first: 3) { edges { node { name price { amount currency } stock } } } }"}'

Live updates: npm run demo   |   Ctrl-C stops everything.
`;
}

/** Builds the example dashboard when its sources changed, and serves it on `DASHBOARD_PORT` (development only). */
async function serveExampleDashboard(supergraph: LocalSupergraph, logger: Logger): Promise<DashboardServer> {
  if (await buildDashboardIfStale()) logger.info('example dashboard built (examples/dashboard/dist)');
  const devTokens = ideDevTokens(supergraph.config);
  return startDashboardServer({
    port: supergraph.config.dashboardPort,
    config: async () => ({ gatewayUrl: supergraph.gatewayUrl, wsUrl: supergraph.wsUrl, devTokens: devTokens ? await devTokens() : [] }),
  });
}

runProcess('supergraph', async ({ config, logger }) => {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    logger.info('starting embedded PostgreSQL (data in .data/postgres)');
    embedded = await startEmbeddedPostgres({ port: config.database.embeddedPort });
    databaseUrl = embedded.url;
  }
  try {
    const applied = await migrate(databaseUrl);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    for (const [key, db] of Object.entries(config.database.placement.databases)) {
      // Development: a dedicated database on the embedded server (or any server) is created when missing.
      await ensureDatabaseExists(db.url);
      const done = await migrate(db.url);
      if (done.length) logger.info({ database: key, applied: done }, 'migrations applied to a dedicated database');
    }
    if (await seedDemoData(databaseUrl)) logger.info('demo data seeded');
    if (!hasRedis(config)) {
      logger.warn('REDIS_URL is not set: using the in-process event log (single process only; events are lost on restart)');
    }
    // The services connect as the app role (APP_DATABASE_URL, default: this URL with the app role).
    const supergraph = await startLocalSupergraph({ config: { ...config, database: { ...config.database, url: databaseUrl } }, logger });
    let dashboard: DashboardServer | undefined;
    try {
      dashboard = config.env === 'development' ? await serveExampleDashboard(supergraph, logger) : undefined;
    } catch (err) {
      await supergraph.stop();
      throw err;
    }
    const redis = config.redisClusterNodes?.length
      ? `Cluster ${config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
      : config.redisUrl;
    console.log(await banner(supergraph, redis, dashboard));
    return {
      async stop() {
        await dashboard?.stop();
        await supergraph.stop();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
});
