/**
 * `npm run start:relay`: an outbox relay as its own process. Connects as the app role
 * (`APP_DATABASE_URL`, or `DATABASE_URL` with the app role's credentials) and publishes unpublished
 * outbox rows to the tenants' Redis Streams (`REDIS_URL`) every `RELAY_POLL_MS`, `RELAY_BATCH_SIZE`
 * rows per transaction, from the shared database and from every dedicated database of
 * `TENANT_DATABASES`. Any number of these (and of the relays inside the subgraphs) may run at once
 * (lib/events/outbox-relay.ts). Serves `/healthz`, `/readyz` (database, Redis, the relay loop) and
 * `/metrics` (outbox backlog and age, published rows, pools, Node) on `RELAY_PORT` (default 4005).
 * Prints `relay ready` on stdout once it runs (tests wait for it). On SIGTERM, readiness turns
 * false, the relay finishes its batch, then the connections close.
 *
 * `RELAY_CRASH_AFTER_PUBLISH=1` is a **test hook only**: the process kills itself with SIGKILL right
 * after appending its first non-empty batch to Redis and before the transaction that marks the rows
 * published commits, so a test can check that a crash between publish and mark yields at most
 * duplicates, which consumers drop by event id. Never set it in production.
 */
import { hasRedis } from '../lib/config';
import { OutboxRelays } from '../lib/events/outbox-relays';
import { startOpsServer } from '../lib/http/ops-server';
import { Readiness } from '../lib/http/readiness';
import { registerDbPoolMetrics, registerOutboxMetrics, registerRelayMetrics } from '../lib/observability/event-path-metrics';
import { ServiceMetricsRegistry } from '../lib/observability/metrics-registry';
import { createInfrastructure } from './infrastructure';
import { runProcess } from './run-process';

runProcess(
  'outbox-relay',
  async ({ config, logger }) => {
    if (!hasRedis(config)) throw new Error('REDIS_URL (or REDIS_CLUSTER_NODES) is required to run the outbox relay.');
    const infra = createInfrastructure({ ...config, database: { ...config.database, tenantPools: false } }, logger, { poolSize: 2 });
    const crash = config.events.relayCrashAfterPublish;
    // One relay per database: the shared one and each dedicated one (`TENANT_DATABASES`).
    const relay = new OutboxRelays(infra.database.outboxClients(), infra.eventLog.streams, logger, {
      pollMs: config.events.relayPollMs,
      batchSize: config.events.relayBatchSize,
      ...(crash
        ? {
            afterPublish: (published: number) => {
              logger.warn({ published }, 'RELAY_CRASH_AFTER_PUBLISH: killing the relay between publish and mark');
              process.stdout.write(`relay crashing after publishing ${published}\n`);
              process.kill(process.pid, 'SIGKILL');
            },
          }
        : {}),
    });
    const metrics = new ServiceMetricsRegistry();
    registerOutboxMetrics(metrics.registry, infra.database.outboxClients());
    registerRelayMetrics(metrics.registry, relay);
    registerDbPoolMetrics(metrics.registry, infra.prisma);
    // The relay does nothing without Redis: there, Redis is critical.
    const checks = infra.readinessChecks.map((c) => (c.name === 'redis' ? { ...c, critical: true } : c));
    const readiness = new Readiness(config.observability.readinessTimeoutMs).add(...checks, {
      name: 'outbox-relay',
      check: async () => relay.health(),
    });
    relay.start();
    let ops;
    try {
      ops = await startOpsServer({ readiness, metrics: () => metrics.exposition() }, config.events.relayPort);
    } catch (err) {
      await relay.stop();
      await infra.close();
      throw new Error(`cannot listen on RELAY_PORT ${config.events.relayPort} (${(err as Error).message}); set RELAY_PORT to a free port.`);
    }
    logger.info({ crashAfterPublish: crash, port: ops.port }, 'outbox relay running');
    process.stdout.write('relay ready\n');
    const server = ops;
    return {
      async stop() {
        readiness.startDraining();
        const delay = config.observability.drainDelayMs;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        await relay.stop();
        await server.close();
        await infra.close();
      },
    };
  },
  { forceExitMs: 10_000 },
);
