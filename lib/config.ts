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
  /** PostgreSQL URL; unset means `npm start` runs an embedded PostgreSQL. */
  databaseUrl?: string;
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

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function str(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Reads the configuration from `env` (default `process.env`).
 * @throws Error when a numeric variable is malformed, or in production when no JWT key is set.
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
    tenant: int('TENANT_PORT', 4001),
    catalog: int('CATALOG_PORT', 4002),
    orders: int('ORDERS_PORT', 4003),
    notifications: int('NOTIFICATIONS_PORT', 4004),
  };
  const url = (name: SubgraphName, envName: string) => str(envName) ?? `http://localhost:${subgraphPorts[name]}/graphql`;
  return {
    env,
    databaseUrl: str('DATABASE_URL'),
    redisUrl: str('REDIS_URL'),
    jwt: {
      secret,
      publicKeyPem,
      jwksUrl,
      issuer: str('JWT_ISSUER'),
      audience: str('JWT_AUDIENCE'),
      tenantClaim: str('JWT_TENANT_CLAIM') ?? 'tenant_id',
      algorithms,
    },
    internalSecret: str('INTERNAL_JWT_SECRET'),
    gatewayPort: int('PORT', 4000),
    subgraphPorts,
    subgraphUrls: {
      tenant: url('tenant', 'TENANT_URL'),
      catalog: url('catalog', 'CATALOG_URL'),
      orders: url('orders', 'ORDERS_URL'),
      notifications: url('notifications', 'NOTIFICATIONS_URL'),
    },
    streamRetention: int('STREAM_RETENTION', 10_000),
    logLevel: str('LOG_LEVEL') ?? (env === 'test' ? 'silent' : 'info'),
  };
}
