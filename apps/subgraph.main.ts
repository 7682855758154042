/**
 * `npm run start:subgraph -- <tenant|catalog|orders|notifications>` (or `SUBGRAPH=<name>`): one
 * subgraph alone, as one service of docker-compose.yml. Applies pending migrations at start-up
 * unless `MIGRATE_ON_START=false`, with the owner role of `DATABASE_URL`, then serves as the app
 * role of `APP_DATABASE_URL` (row-level security); seeds the demo data into an empty database when
 * `SEED_DEMO_DATA=true`.
 */
import { hasRedis } from '../lib/config';
import { migrate } from '../lib/db/migrate';
import { seedDemoData } from '../lib/db/seed';
import { SUBGRAPHS, isSubgraphName } from '../lib/schema/subgraphs';
import { SUBGRAPH_FACTORIES } from '../subgraphs/registry';
import { startSubgraph } from '../subgraphs/shared/subgraph-server';
import { createInfrastructure } from './infrastructure';
import { observabilityOptions } from './observability-options';
import { runProcess } from './run-process';

runProcess('subgraph', async ({ config, logger }) => {
  const name = process.argv[2] ?? config.subgraph;
  if (!name || !isSubgraphName(name)) {
    throw new Error(`name the subgraph to run: one of ${SUBGRAPHS.map((s) => s.name).join(', ')} (argument or SUBGRAPH).`);
  }
  if (!config.database.url) throw new Error('DATABASE_URL is required to run a subgraph alone.');
  if (!config.internalSecret) throw new Error('INTERNAL_JWT_SECRET is required to run a subgraph alone.');
  if (!hasRedis(config) && (name === 'orders' || name === 'notifications')) {
    throw new Error(
      'REDIS_URL (or REDIS_CLUSTER_NODES) is required: the in-process event log only works when everything runs in one process (npm start).',
    );
  }
  if (config.database.migrateOnStart) {
    await migrate(config.database.url);
    // Every dedicated database gets the same schema, app role and row-level security.
    for (const db of Object.values(config.database.placement.databases)) await migrate(db.url);
  }
  if (config.database.seedDemoData && (await seedDemoData(config.database.url))) logger.info('demo data seeded');
  const infra = createInfrastructure(config, logger);
  await infra.database.ready();
  try {
    const service = await startSubgraph(
      SUBGRAPH_FACTORIES[name],
      {
        database: infra.database,
        eventLog: infra.eventLog,
        logger,
        consumer: { leaseMs: config.events.consumerLeaseMs, maxDeliveries: config.events.consumerMaxDeliveries },
      },
      {
        port: config.subgraphPorts[name],
        internalSecret: config.internalSecret,
        observability: observabilityOptions(config),
        readinessChecks: infra.readinessChecks,
      },
    );
    return {
      async stop() {
        await service.stop();
        await infra.close();
      },
    };
  } catch (err) {
    await infra.close();
    throw err;
  }
});
