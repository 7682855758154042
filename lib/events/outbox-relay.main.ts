/**
 * Runs the outbox relay as its own process (`npm run start:relay`): reads `DATABASE_URL` (or
 * `APP_DATABASE_URL`: it connects as the app role), `REDIS_URL` and `STREAM_RETENTION`, publishes unpublished outbox rows to the tenants' Redis Streams
 * until SIGINT/SIGTERM. Any number of these (and of the relays inside the subgraphs) may run at once
 * (see lib/events/outbox-relay.ts).
 *
 * Environment, besides the configuration above:
 * - `RELAY_POLL_MS` (default 250): poll interval when idle, ms.
 * - `RELAY_BATCH_SIZE` (default 100): rows per transaction.
 * - `RELAY_CRASH_AFTER_PUBLISH=1`: **test hook only.** The process kills itself with SIGKILL right
 *   after appending its first non-empty batch to Redis and before the transaction that marks the rows
 *   published commits, so a test can check that a crash between publish and mark yields at most
 *   duplicates, which consumers drop by event id. Never set it in production.
 *
 * Prints `relay ready` on stdout once it runs (tests wait for it).
 */
import { appDatabaseUrl, envInt, loadConfig } from '../config';
import { createPrismaClient } from '../db/prisma-client';
import { createLogger } from '../logger';
import { OutboxRelay } from './outbox-relay';
import { RedisEventLog } from './redis/redis-event-log';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('outbox-relay', config.logLevel);
  if (!config.databaseUrl && !config.appDatabaseUrl)
    throw new Error('DATABASE_URL (or APP_DATABASE_URL) is required to run the outbox relay.');
  if (!config.redisUrl) throw new Error('REDIS_URL is required to run the outbox relay.');
  const crashAfterPublish = process.env.RELAY_CRASH_AFTER_PUBLISH === '1';
  // The relay connects like the services, as the row-level-security-bound app role.
  const prisma = createPrismaClient({ url: config.appDatabaseUrl ?? appDatabaseUrl(config.databaseUrl!), poolSize: 2 });
  const eventLog = new RedisEventLog(config.redisUrl, config.streamRetention);
  const relay = new OutboxRelay(prisma, eventLog.streams, logger, {
    pollMs: envInt('RELAY_POLL_MS', 250, 1),
    batchSize: envInt('RELAY_BATCH_SIZE', 100, 1),
    ...(crashAfterPublish
      ? {
          afterPublish: (published: number) => {
            logger.warn({ published }, 'RELAY_CRASH_AFTER_PUBLISH: killing the relay between publish and mark');
            process.stdout.write(`relay crashing after publishing ${published}\n`);
            process.kill(process.pid, 'SIGKILL');
          },
        }
      : {}),
  });
  relay.start();
  logger.info({ crashAfterPublish }, 'outbox relay running');
  process.stdout.write('relay ready\n');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await relay.stop();
    await eventLog.close();
    await prisma.$disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
