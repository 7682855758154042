/**
 * Process configuration, read once from the environment. Every value has a local default that
 * matches CONTRACT.md, so `npm start` needs no configuration; production deployments set them.
 */
import type { SubgraphName } from './schema/compose';

/** Development-only HS256 secret shared by `npm start`, `npm run token` and the tests. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me-0123456789';

/** How the gateway verifies client JWTs (jose; see gateway/auth/jwt-verifier.ts). */
export interface JwtConfig {
  /** HS256 shared secret; local development only. */
  secret?: string;
  /** PEM-encoded SPKI public key (RS256/ES256/EdDSA). */
  publicKeyPem?: string;
  /** JWKS URL; keys are cached and refreshed on an unknown `kid`. */
  jwksUrl?: string;
  /**
   * Least milliseconds between two JWKS fetches (`JWT_JWKS_COOLDOWN_MS`, default 30 000, jose's
   * `cooldownDuration`): an unknown `kid` refetches at most this often, so a burst of forged kids
   * cannot hammer the key server.
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
}

/** Everything a process of the supergraph reads from its environment. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  /**
   * PostgreSQL URL of the owner role, for migrations and seeding only; unset means `npm start` runs
   * an embedded PostgreSQL.
   */
  databaseUrl?: string;
  /**
   * PostgreSQL URL the services connect with (`APP_DATABASE_URL`): the row-level-security-bound app
   * role. Unset means {@link appDatabaseUrl} of `databaseUrl`.
   */
  appDatabaseUrl?: string;
  /**
   * Per-tenant connection pools with the tenant fixed at connect (`DB_TENANT_POOLS`, default true);
   * false scopes every use of the shared pool per transaction (lib/db/tenant-scope.ts).
   */
  tenantPools: boolean;
  /**
   * Hide schema details from client errors: no "Did you mean" suggestions in validation errors
   * (`HIDE_SCHEMA_DETAILS`, default true when `NODE_ENV=production`).
   */
  hideSchemaDetails: boolean;
  /** Redis URL; unset means the in-process event log (single process only). */
  redisUrl?: string;
  jwt: JwtConfig;
  /** Secret the gateway signs subgraph credentials with and subgraphs verify them with. */
  internalSecret?: string;
  gatewayPort: number;
  /** Listen port of each subgraph. */
  subgraphPorts: Record<SubgraphName, number>;
  /** URL the gateway calls for each subgraph. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Stream entries kept per tenant and topic (Redis `MAXLEN ~`). */
  streamRetention: number;
  logLevel: string;
}

/**
 * The integer in environment variable `name`, or `fallback` when it is unset or empty.
 * @param min Least accepted value (default 0; pass 1 for a positive integer).
 * @throws Error naming the variable when its value is not an integer of at least `min`.
 */
export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    throw new Error(`${name} must be ${what}, got "${raw}"`);
  }
  return n;
}

function bool(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** Role and password of the app role the migration creates for local use (README, "Security"). */
export const DEFAULT_APP_ROLE = { user: 'supergraph_app', password: 'supergraph_app' } as const;

/**
 * The services' URL derived from the owner URL: the same server and database, with the user and
 * password replaced by the app role's ({@link DEFAULT_APP_ROLE}); the default of `APP_DATABASE_URL`.
 * @throws TypeError when `ownerUrl` is not a URL.
 */
export function appDatabaseUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = DEFAULT_APP_ROLE.user;
  url.password = DEFAULT_APP_ROLE.password;
  return url.toString();
}

function str(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Reads the configuration from `env` (default `process.env`).
 * @throws Error when a numeric or boolean variable is malformed, or in production when no JWT key is set.
 */
export function loadConfig(): AppConfig {
  const nodeEnv = process.env.NODE_ENV;
  const env = nodeEnv === 'production' ? 'production' : nodeEnv === 'test' ? 'test' : 'development';
  const publicKeyPem = str('JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  const jwksUrl = str('JWT_JWKS_URL');
  let secret = str('JWT_SECRET');
  if (!secret && !publicKeyPem && !jwksUrl) {
    if (env === 'production') throw new Error('Set JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET in production.');
    secret = DEV_JWT_SECRET;
  }
  const defaultAlgs = jwksUrl || publicKeyPem ? 'RS256,ES256,EdDSA' : 'HS256';
  const algorithms = (str('JWT_ALGORITHMS') ?? defaultAlgs)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (algorithms.some((a) => a.toLowerCase() === 'none')) throw new Error('JWT_ALGORITHMS must not contain "none".');

  const subgraphPorts = {
    tenant: envInt('TENANT_PORT', 4001),
    catalog: envInt('CATALOG_PORT', 4002),
    orders: envInt('ORDERS_PORT', 4003),
    notifications: envInt('NOTIFICATIONS_PORT', 4004),
  };
  const url = (name: SubgraphName, envName: string) => str(envName) ?? `http://localhost:${subgraphPorts[name]}/graphql`;
  return {
    env,
    databaseUrl: str('DATABASE_URL'),
    appDatabaseUrl: str('APP_DATABASE_URL'),
    tenantPools: bool('DB_TENANT_POOLS', true),
    hideSchemaDetails: bool('HIDE_SCHEMA_DETAILS', env === 'production'),
    redisUrl: str('REDIS_URL'),
    jwt: {
      secret,
      publicKeyPem,
      jwksUrl,
      jwksCooldownMs: envInt('JWT_JWKS_COOLDOWN_MS', 30_000),
      issuer: str('JWT_ISSUER'),
      audience: str('JWT_AUDIENCE'),
      tenantClaim: str('JWT_TENANT_CLAIM') ?? 'tenant_id',
      algorithms,
    },
    internalSecret: str('INTERNAL_JWT_SECRET'),
    gatewayPort: envInt('PORT', 4000),
    subgraphPorts,
    subgraphUrls: {
      tenant: url('tenant', 'TENANT_URL'),
      catalog: url('catalog', 'CATALOG_URL'),
      orders: url('orders', 'ORDERS_URL'),
      notifications: url('notifications', 'NOTIFICATIONS_URL'),
    },
    streamRetention: envInt('STREAM_RETENTION', 10_000),
    logLevel: str('LOG_LEVEL') ?? (env === 'test' ? 'silent' : 'info'),
  };
}
