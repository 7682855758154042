/**
 * PrismaClient factory (Prisma 7, Rust-free client with the `pg` driver adapter).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../generated/prisma/client.ts';

export { PrismaClient };
/** Prisma's generated namespace: input, where and transaction-client types of the models. */
export type { Prisma } from '../../generated/prisma/client.ts';

/** How long a pool keeps idle connections (pg-pool's `idleTimeoutMillis` and `min`). */
export interface PoolIdleOptions {
  /** Milliseconds an idle connection stays open (default: pg's 10,000), beyond {@link minConnections}. */
  idleTimeoutMs?: number;
  /**
   * Connections kept open however long they stay idle, once opened (pg-pool's `min`; default 0, at
   * most `poolSize`). None is opened ahead: they are the ones traffic opened. Without them the first
   * requests after a quiet spell each pay a new connection (TCP, authentication, backend start:
   * tens of ms, hundreds on a busy machine).
   */
  minConnections?: number;
}

/** Options of {@link createPrismaClient}. */
export interface PrismaClientOptions extends PoolIdleOptions {
  /** PostgreSQL connection URL. */
  url: string;
  /** Pool size of the underlying `pg` pool (default 10). */
  poolSize?: number;
  /**
   * libpq `options` sent at connect (for example `-c app.tenant_id=<uuid>`): run-time settings fixed
   * for the whole life of every connection of this pool (lib/db/tenant-scope.ts uses it for
   * per-tenant pools).
   */
  connectionOptions?: string;
  /** Called with each SQL statement Prisma sends; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

/** Connections of a pool right now (`pg.Pool`'s counters). */
export interface PoolUsage {
  /** Open connections. */
  total: number;
  /** Open connections not in use. */
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  /** Most connections the pool opens. */
  max: number;
}

/** The `pg` pool under a client made by {@link createPrismaClient}, and its statement hook. */
export interface PrismaDriver {
  pool: pg.Pool;
  /** The client's `onQuery` option: code that sends SQL on `pool` itself reports each statement to it. */
  onQuery?: (sql: string) => void;
}

const pools = new WeakMap<PrismaClient, PrismaDriver & { max: number }>();

/**
 * The `pg` pool under `client` (one made by {@link createPrismaClient}), for the few fixed statements
 * sent outside Prisma's client (the outbox relay, lib/events/outbox-relay.ts), or undefined.
 */
export function driverOf(client: PrismaClient): PrismaDriver | undefined {
  return pools.get(client);
}

/** The usage of the pool under `client` (one made by {@link createPrismaClient}), or undefined. */
export function poolUsage(client: PrismaClient): PoolUsage | undefined {
  const entry = pools.get(client);
  if (!entry) return undefined;
  const { pool, max } = entry;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max };
}

/** Creates a PrismaClient over a `pg` pool. Call `$disconnect()` on shutdown (it ends the pool). */
export function createPrismaClient(options: PrismaClientOptions): PrismaClient {
  const max = options.poolSize ?? 10;
  // The pool is made here (not by the adapter) so that its usage can be read for metrics.
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    min: Math.min(options.minConnections ?? 0, max),
    ...(options.connectionOptions ? { options: options.connectionOptions } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMillis: options.idleTimeoutMs } : {}),
  });
  // pg-pool removes an idle connection that fails (the server restarted, an administrator
  // terminated it) and then emits `error` on the pool, which would crash the process without a
  // listener; Prisma's adapter adds its own only when the client first connects.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const track = (client: PrismaClient) => {
    pools.set(client, { pool, max, onQuery: options.onQuery });
    return client;
  };
  if (!options.onQuery) return track(new PrismaClient({ adapter }));
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = options.onQuery;
  client.$on('query', (e) => onQuery(e.query));
  return track(client);
}
