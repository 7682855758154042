/**
 * Process configuration: every environment variable the supergraph reads is read and validated
 * here, once, by the entry points (apps/); components receive plain values. Every value has a local
 * default, so `npm start` needs no configuration; production deployments set them. A malformed
 * value fails start-up with an error naming the variable. The README's "Configuration" table lists
 * them all.
 */
import { z } from 'zod';
import { ADMISSION_ENV, admissionConfigOf } from './admission-config';
import { blankToUndefined, bool, int, text, url } from './config-values';
import { LOCAL_ORIGINS, isOriginPattern } from './http/origin-pattern';
import { PLACEMENT_ENV, placementConfigOf } from './config-placement';
import { operationsConfig, OPERATIONS_ENV, type ObservabilityConfig, type ResilienceConfig } from './config-operations';
import { SUBGRAPHS, type SubgraphName } from './schema/subgraphs';

export type { AdmissionConfig } from './admission-config';
export type { ObservabilityConfig, ResilienceConfig };
export type { AppConfig, JwtConfig } from './config-model';
import type { AppConfig } from './config-model';

/** Development-only HS256 secret shared by `npm start`, `npm run token` and the tests; refused in production. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me-0123456789';

/** Shortest `JWT_SECRET` accepted in production, bytes: an HS256 key must be at least as long as the hash (RFC 7518 section 3.2). */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

/** The environment variables, by name: the schema that validates them. */
const EnvSchema = z.object({
  NODE_ENV: text,
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  LOG_FORMAT: z.preprocess(blankToUndefined, z.enum(['json', 'pretty']).optional()),
  DATABASE_URL: url,
  APP_DATABASE_URL: url,
  DB_TENANT_POOLS: bool(true),
  MIGRATE_ON_START: bool(true),
  SEED_DEMO_DATA: bool(false),
  EMBEDDED_PG_PORT: int(5433),
  DB_TRANSACTION_MAX_WAIT_MS: int(15_000, 1),
  DB_TRANSACTION_TIMEOUT_MS: int(15_000, 1),
  REDIS_URL: url,
  REDIS_CLUSTER_NODES: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\s*[^\s:,]+:\d{1,5}\s*(,\s*[^\s:,]+:\d{1,5}\s*)*$/, { error: 'must be comma-separated host:port seeds' })
      .transform((v) =>
        v.split(',').map((seed) => {
          const [host, port] = seed.trim().split(':');
          return { host: host!, port: Number(port) };
        }),
      )
      .optional(),
  ),
  REDIS_WAIT_REPLICAS: int(0),
  REDIS_WAIT_TIMEOUT_MS: int(1000, 1),
  JWT_SECRET: text,
  JWT_PUBLIC_KEY: text,
  JWT_JWKS_URL: url,
  JWT_JWKS_COOLDOWN_MS: int(30_000),
  JWT_ALGORITHMS: text,
  JWT_ISSUER: text,
  JWT_AUDIENCE: text,
  JWT_TENANT_CLAIM: text,
  INTERNAL_JWT_SECRET: z.preprocess(blankToUndefined, z.string().min(32, { error: 'must be at least 32 characters' }).optional()),
  HIDE_SCHEMA_DETAILS: bool(),
  PORT: int(4000),
  TENANT_PORT: int(4001),
  CATALOG_PORT: int(4002),
  ORDERS_PORT: int(4003),
  NOTIFICATIONS_PORT: int(4004),
  TENANT_URL: url,
  CATALOG_URL: url,
  ORDERS_URL: url,
  NOTIFICATIONS_URL: url,
  GATEWAY_URL: url,
  APOLLO_TELEMETRY_DISABLED: bool(true),
  CORS_ORIGINS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .refine((list) => list.every(isOriginPattern), {
        error: 'must be comma-separated origins such as https://app.example.com, http://localhost:* (any port) or *',
      })
      .optional(),
  ),
  GRAPHQL_IDE: bool(true),
  DASHBOARD_PORT: int(4010),
  SUBGRAPH: z.preprocess(blankToUndefined, z.enum(SUBGRAPHS.map((s) => s.name)).optional()),
  SUBSCRIPTION_MAX_EXECUTIONS: int(32, 1),
  SUBSCRIPTION_MAX_EXECUTIONS_PER_TENANT: int(4, 1),
  JWT_MAX_LIFETIME_SECONDS: int(86_400, 1),
  JWT_CLOCK_TOLERANCE_SECONDS: int(60),
  ...ADMISSION_ENV,
  DB_CONNECTION_BUDGET: int(30, 2),
  DB_SHARED_POOL_SIZE: int(10, 1),
  DB_TENANT_POOL_SIZE: int(4, 1),
  DB_POOL_MIN_CONNECTIONS: int(4),
  DB_POOL_IDLE_TIMEOUT_MS: int(10_000),
  PRINT_PLATFORM_ADMIN_TOKEN: bool(false),
  SUBSCRIPTION_SHARED_EXECUTIONS: bool(true),
  STREAM_RETENTION: int(10_000, 1),
  CONSUMER_LEASE_MS: int(10_000, 1),
  CONSUMER_MAX_DELIVERIES: int(5, 1),
  RELAY_POLL_MS: int(250, 1),
  RELAY_BATCH_SIZE: int(100, 1),
  RELAY_CRASH_AFTER_PUBLISH: bool(false),
  RELAY_PORT: int(4005),
  ...OPERATIONS_ENV,
  ...PLACEMENT_ENV,
});

/** Variables whose values never go into an error message (secrets, URLs with passwords). */
const SENSITIVE = /SECRET|KEY|PASSWORD|DATABASE_URL|DATABASES|REDIS_URL/;

/** Thrown when the environment does not validate; the message names every bad variable. */
export class ConfigError extends Error {}

/** Role and password of the app role the migration creates for local use (README, "Security"). */
export const DEFAULT_APP_ROLE = { user: 'supergraph_app', password: 'supergraph_app' } as const;

/**
 * The services' URL derived from the owner URL: the same server and database, with the user and
 * password replaced by the app role's ({@link DEFAULT_APP_ROLE}); the default of `APP_DATABASE_URL`.
 * @throws TypeError when `ownerUrl` is not a URL.
 */
export function appDatabaseUrl(ownerUrl: string): string {
  const u = new URL(ownerUrl);
  u.username = DEFAULT_APP_ROLE.user;
  u.password = DEFAULT_APP_ROLE.password;
  return u.toString();
}

const PORT_VARS = { tenant: 'TENANT_PORT', catalog: 'CATALOG_PORT', orders: 'ORDERS_PORT', notifications: 'NOTIFICATIONS_PORT' } as const;
const URL_VARS = { tenant: 'TENANT_URL', catalog: 'CATALOG_URL', orders: 'ORDERS_URL', notifications: 'NOTIFICATIONS_URL' } as const;

/**
 * Reads and validates the configuration from `env` (default: this process's environment).
 * @throws ConfigError naming each variable whose value is malformed; in production when no JWT key
 *   is set, or `JWT_SECRET` is the development secret or shorter than 32 bytes; when
 *   `JWT_ALGORITHMS` contains `none`; when `DB_SHARED_POOL_SIZE` exceeds `DB_CONNECTION_BUDGET`.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `- ${name}: ${i.message}${SENSITIVE.test(name) ? '' : `, got ${JSON.stringify(env[name])}`}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const mode = e.NODE_ENV === 'production' ? 'production' : e.NODE_ENV === 'test' ? 'test' : 'development';
  const publicKeyPem = e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n');
  let secret = e.JWT_SECRET;
  if (!secret && !publicKeyPem && !e.JWT_JWKS_URL) {
    if (mode === 'production') throw new ConfigError('Set JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET in production.');
    secret = DEV_JWT_SECRET;
  }
  if (mode === 'production' && secret !== undefined) {
    if (secret === DEV_JWT_SECRET) {
      throw new ConfigError('JWT_SECRET is the published development secret; set a secret of your own (32 bytes or more) in production.');
    }
    if (Buffer.byteLength(secret, 'utf8') < MIN_PRODUCTION_SECRET_BYTES) {
      throw new ConfigError(
        `JWT_SECRET must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes in production (RFC 7518 section 3.2 for HS256).`,
      );
    }
  }
  if (e.DB_SHARED_POOL_SIZE > e.DB_CONNECTION_BUDGET) {
    throw new ConfigError('DB_SHARED_POOL_SIZE must not exceed DB_CONNECTION_BUDGET.');
  }
  const algorithms = (e.JWT_ALGORITHMS ?? (e.JWT_JWKS_URL || publicKeyPem ? 'RS256,ES256,EdDSA' : 'HS256'))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (algorithms.some((a) => a.toLowerCase() === 'none')) throw new ConfigError('JWT_ALGORITHMS must not contain "none".');
  let placement;
  try {
    placement = placementConfigOf(e);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) throw new ConfigError('Set REDIS_URL or REDIS_CLUSTER_NODES, not both.');
  const subgraphPorts = Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, e[PORT_VARS[name]]])) as Record<SubgraphName, number>;
  const subgraphUrls = Object.fromEntries(
    SUBGRAPHS.map(({ name }) => [name, e[URL_VARS[name]] ?? `http://localhost:${subgraphPorts[name]}/graphql`]),
  ) as Record<SubgraphName, string>;
  return {
    env: mode,
    logLevel: e.LOG_LEVEL ?? (mode === 'test' ? 'silent' : 'info'),
    logFormat: e.LOG_FORMAT ?? (mode === 'development' ? 'pretty' : 'json'),
    database: {
      url: e.DATABASE_URL,
      appUrl: e.APP_DATABASE_URL,
      tenantPools: e.DB_TENANT_POOLS!,
      migrateOnStart: e.MIGRATE_ON_START!,
      seedDemoData: e.SEED_DEMO_DATA!,
      embeddedPort: e.EMBEDDED_PG_PORT,
      transactionMaxWaitMs: e.DB_TRANSACTION_MAX_WAIT_MS,
      transactionTimeoutMs: e.DB_TRANSACTION_TIMEOUT_MS,
      connectionBudget: e.DB_CONNECTION_BUDGET,
      sharedPoolSize: e.DB_SHARED_POOL_SIZE,
      tenantPoolSize: e.DB_TENANT_POOL_SIZE,
      poolMinConnections: e.DB_POOL_MIN_CONNECTIONS,
      poolIdleTimeoutMs: e.DB_POOL_IDLE_TIMEOUT_MS,
      placement,
    },
    admission: admissionConfigOf(e, mode),
    printPlatformAdminToken: e.PRINT_PLATFORM_ADMIN_TOKEN!,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    jwt: {
      secret,
      publicKeyPem,
      jwksUrl: e.JWT_JWKS_URL,
      jwksCooldownMs: e.JWT_JWKS_COOLDOWN_MS,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      tenantClaim: e.JWT_TENANT_CLAIM ?? 'tenant_id',
      algorithms,
      maxLifetimeSeconds: e.JWT_MAX_LIFETIME_SECONDS,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_SECONDS,
    },
    internalSecret: e.INTERNAL_JWT_SECRET,
    hideSchemaDetails: e.HIDE_SCHEMA_DETAILS ?? mode === 'production',
    gateway: {
      port: e.PORT,
      subgraphUrls,
      maxSubscriptionExecutions: e.SUBSCRIPTION_MAX_EXECUTIONS,
      maxSubscriptionExecutionsPerTenant: e.SUBSCRIPTION_MAX_EXECUTIONS_PER_TENANT,
      sharedSubscriptionExecutions: e.SUBSCRIPTION_SHARED_EXECUTIONS!,
      publicUrl: e.GATEWAY_URL ?? `http://localhost:${e.PORT}/graphql`,
      apolloTelemetry: !e.APOLLO_TELEMETRY_DISABLED,
      corsOrigins: e.CORS_ORIGINS ?? (mode === 'production' ? [] : [...LOCAL_ORIGINS]),
      ide: e.GRAPHQL_IDE!,
    },
    dashboardPort: e.DASHBOARD_PORT,
    subgraphPorts,
    subgraph: e.SUBGRAPH,
    events: {
      streamRetention: e.STREAM_RETENTION,
      consumerLeaseMs: e.CONSUMER_LEASE_MS,
      consumerMaxDeliveries: e.CONSUMER_MAX_DELIVERIES,
      relayPollMs: e.RELAY_POLL_MS,
      relayBatchSize: e.RELAY_BATCH_SIZE,
      relayCrashAfterPublish: e.RELAY_CRASH_AFTER_PUBLISH!,
      redisWaitReplicas: e.REDIS_WAIT_REPLICAS,
      redisWaitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
      relayPort: e.RELAY_PORT,
    },
    ...operationsConfig(e),
  };
}

/** True when the configuration names a Redis (one server or a cluster) for the event streams. */
export function hasRedis(config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>): boolean {
  return Boolean(config.redisUrl || config.redisClusterNodes?.length);
}

/**
 * Hands the settings that libraries read from the environment themselves to them, once, before
 * they start: `@apollo/gateway` reads `APOLLO_TELEMETRY_DISABLED` when a gateway is constructed.
 * Called by the composition roots (apps/); the only write to the environment.
 */
export function applyLibrarySettings(config: AppConfig, env: Record<string, string | undefined> = process.env): void {
  env.APOLLO_TELEMETRY_DISABLED = config.gateway.apolloTelemetry ? 'false' : 'true';
}
