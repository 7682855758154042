/**
 * Runs the gateway alone (`npm run start:gateway`), for deployments where each subgraph is its own
 * process. Needs `REDIS_URL` (subscriptions read the tenants' streams) and `INTERNAL_JWT_SECRET`
 * (shared with the subgraphs); subgraph URLs come from `TENANT_URL`, `CATALOG_URL`, ... or the
 * default ports. `SUBSCRIPTION_MAX_EXECUTIONS` and `SUBSCRIPTION_SHARED_EXECUTIONS` (`false` = one
 * execution per subscriber, for benchmarks) override the subscription defaults. Stops gracefully on
 * SIGINT/SIGTERM.
 */
import { envInt, loadConfig } from '../lib/config';
import { legacyEventStreams } from '../lib/events/legacy-event-streams';
import { RedisEventLog } from '../lib/events/redis-event-log';
import { createLogger } from '../lib/logger';
import { startGateway, SUBSCRIPTION_DEFAULTS, type GatewaySubscriptionOptions } from './gateway.server';

/** The subscription settings this entry point takes from the environment. */
function subscriptionOptionsFromEnv(): GatewaySubscriptionOptions {
  return {
    maxConcurrentExecutions: envInt('SUBSCRIPTION_MAX_EXECUTIONS', SUBSCRIPTION_DEFAULTS.maxConcurrentExecutions, 1),
    sharedExecutions: process.env.SUBSCRIPTION_SHARED_EXECUTIONS !== 'false',
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.logLevel);
  if (!config.redisUrl) throw new Error('REDIS_URL is required to run the gateway on its own.');
  if (!config.internalSecret) throw new Error('INTERNAL_JWT_SECRET is required to run the gateway on its own.');
  const eventLog = new RedisEventLog(config.redisUrl, config.streamRetention);
  let gateway;
  try {
    gateway = await startGateway({
      config,
      eventStreams: legacyEventStreams(eventLog),
      logger,
      port: config.gatewayPort,
      subscriptions: subscriptionOptionsFromEnv(),
    });
  } catch (err) {
    await eventLog.close();
    throw err;
  }
  const running = gateway;
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    void (async () => {
      try {
        await running.stop();
        await eventLog.close();
        process.exit(0);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
