/**
 * Runs one subgraph alone (one service of docker-compose.yml):
 * `SUBGRAPH=orders DATABASE_URL=... REDIS_URL=... INTERNAL_JWT_SECRET=... npm run start:subgraph`
 * (or the name as the first argument). Applies pending migrations at start-up unless
 * `MIGRATE_ON_START=false`, with the owner role of `DATABASE_URL`, then serves as the app role of
 * `APP_DATABASE_URL` (row-level security), and seeds the demo data into an empty database when `SEED_DEMO_DATA=true`. Stops cleanly on SIGINT/SIGTERM.
 */
import { appDatabaseUrl, loadConfig } from '../lib/config';
import { createPrismaClient } from '../lib/db/prisma-client';
import { TenantClients } from '../lib/db/tenant-scope';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { createEventLog } from '../lib/events/create-event-log';
import { createLogger } from '../lib/logger';
import { SUBGRAPHS, type SubgraphName } from '../lib/schema/compose';
import { SUBGRAPH_FACTORIES } from './registry';
import { startSubgraph } from './shared/subgraph-server';

async function main(): Promise<void> {
  const name = (process.argv[2] ?? process.env.SUBGRAPH) as SubgraphName | undefined;
  if (!name || !SUBGRAPHS.some((s) => s.name === name)) {
    throw new Error(`Name the subgraph to run: one of ${SUBGRAPHS.map((s) => s.name).join(', ')} (argument or SUBGRAPH).`);
  }
  const config = loadConfig();
  const logger = createLogger(`subgraph-${name}`, config.logLevel);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run a subgraph alone.');
  if (!config.internalSecret) throw new Error('INTERNAL_JWT_SECRET is required to run a subgraph alone.');
  if (!config.redisUrl && (name === 'orders' || name === 'notifications')) {
    throw new Error('REDIS_URL is required: the in-process event log only works when everything runs in one process (npm start).');
  }
  if (process.env.MIGRATE_ON_START !== 'false') await migrate(config.databaseUrl);
  if (process.env.SEED_DEMO_DATA === 'true' && (await seedDemoData(config.databaseUrl))) logger.info('demo data seeded');
  // Migrations and the seed use the owner (DATABASE_URL); the service connects as the app role.
  const appUrl = config.appDatabaseUrl ?? appDatabaseUrl(config.databaseUrl);
  const prisma = createPrismaClient({ url: appUrl });
  const tenantClients = config.tenantPools ? new TenantClients(prisma, { url: appUrl }) : undefined;
  const eventLog = createEventLog(config.redisUrl, config.streamRetention);
  const service = await startSubgraph(
    SUBGRAPH_FACTORIES[name],
    { prisma, db: tenantClients ?? prisma, eventLog, logger },
    {
      port: config.subgraphPorts[name],
      internalSecret: config.internalSecret,
    },
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await service.stop();
    await eventLog.close();
    await tenantClients?.disconnect();
    await prisma.$disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
