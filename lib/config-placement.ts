/**
 * The variables of tenant placement (README, "Scaling out", "Dedicated databases"): dedicated
 * PostgreSQL databases by key, and how placement lookups and write pauses behave. lib/config.ts
 * validates them with every other variable; this module reads no environment itself.
 */
import { z } from 'zod';
import { blankToUndefined, int } from './config-values';

/** A dedicated database's key: 1-40 lower-case letters, digits, `_` or `-`, starting with a letter; never `shared`. */
export const DATABASE_KEY = /^[a-z][a-z0-9_-]{0,39}$/;

/** The target name of the shared database in the move command and the API. */
export const SHARED_DATABASE = 'shared';

/** One dedicated database of the configuration. */
export interface DedicatedDatabaseConfig {
  /** Owner role URL: migrations and the move command (from `TENANT_DATABASES`). */
  url: string;
  /** The services' URL, the row-level-security-bound app role (`TENANT_APP_DATABASES`; default: `url` with the app role's credentials). */
  appUrl?: string;
}

/** Tenant placement settings. */
export interface PlacementConfig {
  /** Dedicated databases by key (`TENANT_DATABASES`, `TENANT_APP_DATABASES`); empty: every tenant is in the shared database. */
  databases: Record<string, DedicatedDatabaseConfig>;
  /** Connections of each dedicated database's pool per process (`TENANT_DATABASE_POOL_SIZE`, default 4). */
  poolSize: number;
  /** How long a process keeps a tenant's placement, ms (`TENANT_PLACEMENT_TTL_MS`, default 2,000). */
  ttlMs: number;
  /** How long a write of a tenant being moved waits before `TENANT_WRITES_PAUSED`, ms (`TENANT_WRITE_PAUSE_WAIT_MS`, default 4,000). */
  writePauseWaitMs: number;
}

/** `key=url,key=url` with distinct valid keys and URLs, or undefined when unset. */
const namedUrls = z.preprocess(
  blankToUndefined,
  z
    .string()
    .transform((v, ctx) => {
      const out: Record<string, string> = {};
      for (const item of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const eq = item.indexOf('=');
        const key = item.slice(0, eq).trim();
        const value = item.slice(eq + 1).trim();
        if (eq < 1 || !DATABASE_KEY.test(key) || key === SHARED_DATABASE || key in out || !URL.canParse(value)) {
          ctx.addIssue({
            code: 'custom',
            message:
              'must be comma-separated key=postgresql://... pairs with distinct keys (lower-case letters, digits, _ or -; not "shared")',
          });
          return z.NEVER;
        }
        out[key] = value;
      }
      return out;
    })
    .optional(),
);

/** The placement variables' schemas (spread into lib/config.ts's schema). */
export const PLACEMENT_ENV = {
  TENANT_DATABASES: namedUrls,
  TENANT_APP_DATABASES: namedUrls,
  TENANT_DATABASE_POOL_SIZE: int(4, 1),
  TENANT_PLACEMENT_TTL_MS: int(2_000, 1),
  TENANT_WRITE_PAUSE_WAIT_MS: int(4_000, 0),
};

type PlacementEnv = z.output<z.ZodObject<typeof PLACEMENT_ENV>>;

/**
 * The placement configuration of validated variables.
 * @throws Error naming the key when `TENANT_APP_DATABASES` names a database `TENANT_DATABASES` does not.
 */
export function placementConfigOf(e: PlacementEnv): PlacementConfig {
  const owners = e.TENANT_DATABASES ?? {};
  const apps = e.TENANT_APP_DATABASES ?? {};
  const unknown = Object.keys(apps).find((k) => !(k in owners));
  if (unknown) throw new Error(`TENANT_APP_DATABASES names ${unknown}, which TENANT_DATABASES does not define.`);
  const databases: Record<string, DedicatedDatabaseConfig> = {};
  for (const [key, url] of Object.entries(owners)) databases[key] = { url, ...(apps[key] ? { appUrl: apps[key] } : {}) };
  return {
    databases,
    poolSize: e.TENANT_DATABASE_POOL_SIZE,
    ttlMs: e.TENANT_PLACEMENT_TTL_MS,
    writePauseWaitMs: e.TENANT_WRITE_PAUSE_WAIT_MS,
  };
}
