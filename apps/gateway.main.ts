/**
 * `npm run start:gateway`: the gateway alone, for deployments where each subgraph is its own
 * process. Needs `REDIS_URL` (subscriptions read the tenants' streams) and `INTERNAL_JWT_SECRET`
 * (shared with the subgraphs); subgraph URLs come from `TENANT_URL`, `CATALOG_URL`, ... or the
 * default ports.
 */
import { hasRedis } from '../lib/config';
import { startGateway } from '../gateway/gateway.server';
import { gatewayOptions } from './gateway-options';
import { createConfiguredEventLog } from './infrastructure';
import { runProcess } from './run-process';

runProcess('gateway', async ({ config, logger }) => {
  if (!hasRedis(config)) throw new Error('REDIS_URL (or REDIS_CLUSTER_NODES) is required to run the gateway on its own.');
  const options = gatewayOptions(config);
  const eventLog = createConfiguredEventLog(config, logger);
  try {
    const gateway = await startGateway({
      ...options,
      eventStreams: eventLog.streams,
      logger,
      port: config.gateway.port,
      // Unready without Redis by default; `degraded` (still serving queries) with READINESS_REDIS_CRITICAL=false.
      readinessChecks: [{ name: 'redis', critical: config.observability.readinessRedisCritical, check: () => eventLog.stats.ping() }],
    });
    return {
      async stop() {
        await gateway.stop();
        await eventLog.close();
      },
    };
  } catch (err) {
    await eventLog.close();
    throw err;
  }
});
