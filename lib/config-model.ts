/**
 * The shape of the process configuration: what lib/config.ts reads from the environment and hands,
 * as plain values, to the composition roots (apps/). No module reads the environment but that one.
 */
import type { AdmissionConfig } from './admission-config';
import type { PlacementConfig } from './config-placement';
import type { ObservabilityConfig, ResilienceConfig } from './config-operations';
import type { SubgraphName } from './schema/subgraphs';

/** How the gateway verifies client JWTs (jose; see gateway/auth/jwt-verifier.ts). */
export interface JwtConfig {
  /** HS256 shared secret; local development only. */
  secret?: string;
  /** PEM-encoded SPKI public key (RS256/ES256/EdDSA). */
  publicKeyPem?: string;
  /** JWKS URL; keys are cached and refreshed on an unknown `kid`. */
  jwksUrl?: string;
  /**
   * Least milliseconds between two JWKS fetches (jose's `cooldownDuration`): an unknown `kid`
   * refetches at most this often, so a burst of forged kids cannot hammer the key server.
   */
  jwksCooldownMs?: number;
  /** Expected `iss`, checked when set. */
  issuer?: string;
  /** Expected `aud`, checked when set. */
  audience?: string;
  /** Claim carrying the tenant id (default `tenant_id`). */
  tenantClaim: string;
  /** Accepted `alg` values; anything else (including `none`) is rejected. */
  algorithms: string[];
  /** Longest lifetime (`exp` - `iat`, seconds) of an accepted token (default 86,400: one day). */
  maxLifetimeSeconds?: number;
  /** Clock difference tolerated when checking `iat` is not in the future (seconds, default 60). */
  clockToleranceSeconds?: number;
}

/** Everything a process of the supergraph reads from its environment. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  /** pino level (`LOG_LEVEL`; default `info`, `silent` under tests). */
  logLevel: string;
  /** `pretty` (pino-pretty, for people) or `json` (`LOG_FORMAT`; default `pretty` in development, `json` otherwise). */
  logFormat: 'json' | 'pretty';
  database: {
    /** Owner role URL (`DATABASE_URL`), for migrations and seeding only; unset = `npm start` runs an embedded PostgreSQL. */
    url?: string;
    /** URL the services connect with (`APP_DATABASE_URL`): the row-level-security-bound app role; unset = {@link appDatabaseUrl} of `url`. */
    appUrl?: string;
    /** Per-tenant pools with the tenant fixed at connect (`DB_TENANT_POOLS`, default true); false = per-transaction setting. */
    tenantPools: boolean;
    /** A standalone subgraph applies pending migrations at start-up (`MIGRATE_ON_START`, default true). */
    migrateOnStart: boolean;
    /** A standalone subgraph seeds the demo data into an empty database (`SEED_DEMO_DATA`, default false). */
    seedDemoData: boolean;
    /** Port of the embedded PostgreSQL of `npm start` (`EMBEDDED_PG_PORT`, default 5433). */
    embeddedPort: number;
    /** Most ms a transaction waits for a connection (`DB_TRANSACTION_MAX_WAIT_MS`, default 15,000). */
    transactionMaxWaitMs: number;
    /** Most ms a transaction may run (`DB_TRANSACTION_TIMEOUT_MS`, default 15,000). */
    transactionTimeoutMs: number;
    /** Most PostgreSQL connections this process opens (`DB_CONNECTION_BUDGET`, default 30): shared pool plus tenant pools. */
    connectionBudget: number;
    /** Connections of the shared pool (`DB_SHARED_POOL_SIZE`, default 10). */
    sharedPoolSize: number;
    /** Connections of each tenant pool (`DB_TENANT_POOL_SIZE`, default 4). */
    tenantPoolSize: number;
    /**
     * Connections each pool (shared, tenant, dedicated database) keeps open however long idle, once
     * traffic opened them (`DB_POOL_MIN_CONNECTIONS`, default 4, the size of a tenant pool): the first requests after a quiet
     * spell find them open instead of connecting again.
     */
    poolMinConnections: number;
    /** Ms an idle connection beyond those stays open (`DB_POOL_IDLE_TIMEOUT_MS`, default 10,000; 0 = until the pool closes). */
    poolIdleTimeoutMs: number;
    /** Dedicated databases of large tenants and placement settings (`TENANT_DATABASES`, ...; README, "Dedicated databases"). */
    placement: PlacementConfig;
  };
  admission: AdmissionConfig;
  /** `npm start` prints a `platform:admin` token (`PRINT_PLATFORM_ADMIN_TOKEN`, default false). */
  printPlatformAdminToken: boolean;
  /** Redis URL (`REDIS_URL`); unset (and no cluster) = the in-process event log (single process only). */
  redisUrl?: string;
  /** Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES`, comma-separated `host:port`); exclusive with `redisUrl`. */
  redisClusterNodes?: Array<{ host: string; port: number }>;
  jwt: JwtConfig;
  /** Secret (32+ characters) the gateway signs subgraph credentials with (`INTERNAL_JWT_SECRET`). */
  internalSecret?: string;
  /** No "Did you mean" suggestions in client errors (`HIDE_SCHEMA_DETAILS`, default true in production). */
  hideSchemaDetails: boolean;
  gateway: {
    /** Listen port (`PORT`, default 4000). */
    port: number;
    /** URL the gateway calls for each subgraph (`TENANT_URL`, ...; default `http://localhost:<port>/graphql`). */
    subgraphUrls: Record<SubgraphName, string>;
    /** Subscription executions running at once per process (`SUBSCRIPTION_MAX_EXECUTIONS`, default 32). */
    maxSubscriptionExecutions: number;
    /** Subscription executions of one tenant at once (`SUBSCRIPTION_MAX_EXECUTIONS_PER_TENANT`, default 4). */
    maxSubscriptionExecutionsPerTenant: number;
    /** One execution per event and execution key (`SUBSCRIPTION_SHARED_EXECUTIONS`, default true). */
    sharedSubscriptionExecutions: boolean;
    /** Where clients such as `npm run demo` reach the gateway (`GATEWAY_URL`, default `http://localhost:<PORT>/graphql`). */
    publicUrl: string;
    /**
     * `@apollo/gateway`'s anonymous usage telemetry to Apollo (an OpenTelemetry exporter plus cloud
     * metadata lookups), off unless `APOLLO_TELEMETRY_DISABLED=false` (Apollo's own variable).
     */
    apolloTelemetry: boolean;
    /**
     * Browser origins allowed to call the gateway, over HTTP (CORS) and WebSocket (`Origin`)
     * (`CORS_ORIGINS`, comma-separated; see gateway/http/origin-policy.ts for the forms). Default:
     * the loopback origins on any port in development and tests, none in production.
     */
    corsOrigins: string[];
    /** The GraphQL IDE page at `GET /graphql` for browsers (`GRAPHQL_IDE`, default true). */
    ide: boolean;
  };
  /** Port `npm start` serves the example dashboard on (`DASHBOARD_PORT`, default 4010); development only. */
  dashboardPort: number;
  /** Listen port of each subgraph (`TENANT_PORT`, ...; default 4001-4004). */
  subgraphPorts: Record<SubgraphName, number>;
  /** The subgraph `npm run start:subgraph` runs (`SUBGRAPH`, or the first argument). */
  subgraph?: SubgraphName;
  events: {
    /** Entries kept per tenant stream (`STREAM_RETENTION`, default 10,000; Redis `MAXLEN ~`). */
    streamRetention: number;
    /** Lease of a notifications consumer on a tenant stream, ms (`CONSUMER_LEASE_MS`, default 10,000). */
    consumerLeaseMs: number;
    /** Delivery at which a failing event is dead-lettered (`CONSUMER_MAX_DELIVERIES`, default 5). */
    consumerMaxDeliveries: number;
    /** Idle poll interval of the outbox relay, ms (`RELAY_POLL_MS`, default 250). */
    relayPollMs: number;
    /** Outbox rows per relay transaction (`RELAY_BATCH_SIZE`, default 100). */
    relayBatchSize: number;
    /** Test hook of `npm run start:relay` (`RELAY_CRASH_AFTER_PUBLISH=1`): SIGKILL between publish and mark. Never in production. */
    relayCrashAfterPublish: boolean;
    /**
     * Replicas each stream append waits for (`REDIS_WAIT_REPLICAS`, Redis `WAIT`, default 0): with 1
     * or more a failover cannot lose a published event (set it on a Redis Cluster with replicas).
     */
    redisWaitReplicas: number;
    /** Most ms an append waits for those replicas (`REDIS_WAIT_TIMEOUT_MS`, default 1000). */
    redisWaitTimeoutMs: number;
    /** Port of `npm run start:relay`'s `/healthz`, `/readyz` and `/metrics` (`RELAY_PORT`, default 4005). */
    relayPort: number;
  };
  /** Metrics, health, shutdown and tracing (README, "Operations"). */
  observability: ObservabilityConfig;
  /** Deadline, retries and circuit breaker of the gateway's subgraph fetches. */
  resilience: ResilienceConfig;
}
