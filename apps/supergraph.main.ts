/**
 * `npm start`: the whole supergraph in one process on the embedded default: an embedded PostgreSQL
 * (unless DATABASE_URL is set), migrations, the demo seed, four subgraphs and the gateway; the
 * in-process event log unless REDIS_URL is set. Prints dev tokens and a sample query (the
 * `platform:admin` token only with PRINT_PLATFORM_ADMIN_TOKEN=true: it acts for any tenant). Ctrl-C
 * stops the services first and the database last.
 */
import { devTokenSettings, mintDevToken } from '../lib/auth/dev-token';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { startLocalSupergraph, type LocalSupergraph } from './local-supergraph';
import { runProcess } from './run-process';

/** The banner `npm start` prints once everything listens. */
async function banner(supergraph: LocalSupergraph, redisUrl: string | undefined): Promise<string> {
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
  gateway        ${supergraph.gatewayUrl}  (WebSocket ${supergraph.wsUrl})
  subgraphs      ${subgraphs}
  event log      ${redisUrl ? `Redis ${redisUrl}` : 'in-process (set REDIS_URL for Redis Streams)'}

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
    if (await seedDemoData(databaseUrl)) logger.info('demo data seeded');
    if (!config.redisUrl) {
      logger.warn('REDIS_URL is not set: using the in-process event log (single process only; events are lost on restart)');
    }
    // The services connect as the app role (APP_DATABASE_URL, default: this URL with the app role).
    const supergraph = await startLocalSupergraph({ config: { ...config, database: { ...config.database, url: databaseUrl } }, logger });
    console.log(await banner(supergraph, config.redisUrl));
    return {
      async stop() {
        await supergraph.stop();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
});
