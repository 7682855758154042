/**
 * The one infrastructure factory of every process: the services' database client (the app role,
 * row-level security), the tenant-bound database on it, and the event log (Redis Streams when
 * `REDIS_URL` is set, otherwise in-process).
 */
import { appDatabaseUrl, type AppConfig } from '../lib/config';
import { createPrismaClient, type PrismaClient } from '../lib/db/prisma-client';
import type { TenantDatabase } from '../lib/db/tenant-database';
import { RoutedTenantDatabase } from '../lib/db/tenant-placement';
import { createEventLog } from '../lib/events/create-event-log';
import type { EventLog } from '../lib/events/event-log';
import type { ReadinessCheck } from '../lib/http/readiness';
import type { Logger } from '../lib/logger';

/** The shared infrastructure of a process. */
export interface Infrastructure {
  /** URL the services connect with (app role). */
  appDatabaseUrl: string;
  /** The shared client of the app role (outbox relay, tenants without a pool). */
  prisma: PrismaClient;
  /** Tenant scopes for requests and consumers, routed to each tenant's database (lib/db/tenant-placement.ts). */
  database: TenantDatabase;
  eventLog: EventLog;
  /** Readiness checks of the dependencies: `database` (the app role answers) and, with Redis, `redis` (critical unless `READINESS_REDIS_CRITICAL=false`). */
  readinessChecks: ReadinessCheck[];
  /** Closes the event log, the tenant pools and the shared client, in that order. */
  close(): Promise<void>;
}

/** Options of {@link createInfrastructure}. */
export interface InfrastructureOptions {
  /** Connections of the shared pool (default: `DB_SHARED_POOL_SIZE`). */
  poolSize?: number;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
}

/**
 * Builds the infrastructure from the configuration. The services' URL is `APP_DATABASE_URL`, else
 * the owner URL with the app role's credentials.
 * @throws Error when neither `DATABASE_URL` nor `APP_DATABASE_URL` is configured.
 */
export function createInfrastructure(config: AppConfig, logger: Logger, options: InfrastructureOptions = {}): Infrastructure {
  const ownerUrl = config.database.url;
  const appUrl = config.database.appUrl ?? (ownerUrl ? appDatabaseUrl(ownerUrl) : undefined);
  if (!appUrl) throw new Error('DATABASE_URL (or APP_DATABASE_URL) is required.');
  const { connectionBudget, sharedPoolSize, tenantPoolSize } = config.database;
  const poolSize = options.poolSize ?? sharedPoolSize;
  const idle = { minConnections: config.database.poolMinConnections, idleTimeoutMs: config.database.poolIdleTimeoutMs };
  const prisma = createPrismaClient({ url: appUrl, poolSize, ...idle, onQuery: options.onQuery });
  // The connection budget of the process: the shared pool, then as many tenant pools as fit.
  const maxTenants = Math.max(0, Math.floor((connectionBudget - poolSize) / tenantPoolSize));
  const { placement } = config.database;
  const dedicated = Object.fromEntries(Object.entries(placement.databases).map(([key, db]) => [key, db.appUrl ?? appDatabaseUrl(db.url)]));
  const database = new RoutedTenantDatabase(
    {
      shared: prisma,
      transactionDefaults: { maxWait: config.database.transactionMaxWaitMs, timeout: config.database.transactionTimeoutMs },
      tenantPools: config.database.tenantPools
        ? {
            url: appUrl,
            poolSize: tenantPoolSize,
            maxTenants,
            ...idle,
            onQuery: options.onQuery,
            onUnavailable: (reason) =>
              logger.error(
                { reason },
                'DB_TENANT_POOLS=true but per-tenant pools cannot work here (a pooler such as PgBouncer in front?): every tenant is scoped per transaction; set DB_TENANT_POOLS=false',
              ),
          }
        : undefined,
      onHookError: (err) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'after-commit hook failed'),
    },
    {
      databases: dedicated,
      poolSize: placement.poolSize,
      ...idle,
      ttlMs: placement.ttlMs,
      writePauseWaitMs: placement.writePauseWaitMs,
      onQuery: options.onQuery,
    },
  );
  const eventLog = createConfiguredEventLog(config, logger);
  return {
    appDatabaseUrl: appUrl,
    prisma,
    database,
    eventLog,
    readinessChecks: dependencyChecks(prisma, eventLog, config.observability.readinessRedisCritical),
    async close() {
      await eventLog.close();
      await database.disconnect();
      await prisma.$disconnect();
    },
  };
}

/**
 * The event log of the configuration: a Redis Cluster (`REDIS_CLUSTER_NODES`), one Redis
 * (`REDIS_URL`) or in process; appends wait for `REDIS_WAIT_REPLICAS` replicas, and a shortfall is
 * logged (the append stands).
 */
export function createConfiguredEventLog(config: AppConfig, logger: Logger): EventLog {
  return createEventLog({
    redisUrl: config.redisUrl,
    redisClusterNodes: config.redisClusterNodes,
    retention: config.events.streamRetention,
    durability: {
      replicas: config.events.redisWaitReplicas,
      timeoutMs: config.events.redisWaitTimeoutMs,
      onShortfall: (info) => logger.warn(info, 'stream append acknowledged by fewer replicas than REDIS_WAIT_REPLICAS'),
    },
  });
}

/**
 * The readiness checks of the shared infrastructure (lib/http/readiness.ts):
 * `database` (one `SELECT 1` as the app role) and, when the event log is Redis, `redis` (`PING`;
 * critical when `redisCritical`, `READINESS_REDIS_CRITICAL`: without Redis the services still answer
 * queries and mutations, whose events wait in the outbox, but no live update reaches a client; an
 * outbox relay cannot do anything without it, so it always passes true).
 */
export function dependencyChecks(prisma: PrismaClient, eventLog: EventLog, redisCritical: boolean): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await prisma.$queryRaw`SELECT 1`;
      },
    },
  ];
  if (eventLog.kind === 'redis') checks.push({ name: 'redis', critical: redisCritical, check: () => eventLog.stats.ping() });
  return checks;
}
