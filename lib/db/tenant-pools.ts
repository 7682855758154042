/**
 * Per-tenant connection pools within one connection budget per process. Each tenant pool's every
 * connection is opened with the libpq option `-c app.tenant_id=<uuid>`, so the connection belongs
 * to that tenant for its whole life and row-level security needs no per-statement setting.
 *
 * The budget: the shared pool (lib/db/prisma-client.ts, used per transaction) plus at most
 * `maxTenants` tenant pools of `poolSize` connections; the composition root derives `maxTenants`
 * from `DB_CONNECTION_BUDGET` (README, "Database connections"). A tenant with no pool gets one while
 * there is room; when there is none, the least recently used pool that has been idle (no statement
 * or transaction running on it) for `replaceIdleAfterMs` is closed and replaced. Otherwise the
 * tenant goes through the shared pool per transaction for this use ({@link TenantPools.lease}
 * answers undefined), so a burst of new tenants waits for connections of the shared pool instead of
 * opening more than the budget ("too many clients already"), and traffic spread over many more
 * tenants than there are pools does not close and reopen a pool (new connections) on nearly every
 * request: the pools stay with tenants that keep using them (measured in bench/tenants.bench.ts).
 *
 * The pools are used only once one connection proved that the server applies connect-time options
 * ({@link TenantPools.verified}). A connection pooler in front of PostgreSQL does not: PgBouncer in
 * transaction mode refuses the `options` startup parameter ("unsupported startup parameter"), and
 * a pooler that ignored it would hand out connections without the tenant (row-level security then
 * shows no row). Until the check passed, and for good when it failed, every tenant is scoped per
 * transaction instead, which works through such poolers.
 */
import { Client } from 'pg';
import { createPrismaClient, poolUsage, type PoolIdleOptions, type PoolUsage, type PrismaClient } from './prisma-client';
import { requireTenantId } from './tenant-scope';

/** Options of {@link TenantPools}; the idle options apply to each tenant pool. */
export interface TenantPoolsOptions extends PoolIdleOptions {
  /** The services' database URL (the app role). */
  url: string;
  /** Connections per tenant pool (default 4). */
  poolSize?: number;
  /** Most tenant pools open at once (default 5); the connections are at most `maxTenants × poolSize`. */
  maxTenants?: number;
  /** Milliseconds a pool must have been idle before another tenant's may replace it (default 5,000). */
  replaceIdleAfterMs?: number;
  /** Called with each SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Told why the pools are not used, when the connect-time option check fails. */
  onUnavailable?: (reason: string) => void;
}

/** The tenant id written into the check connection's options: no tenant has it. */
const CHECK_TENANT = '00000000-0000-0000-0000-000000000000';

/** A tenant pool taken for one use; give it back with `release`. */
export interface PoolLease {
  client: PrismaClient;
  /** Idempotent. */
  release(): void;
}

interface Pool {
  client: PrismaClient;
  /** Uses running on it now. */
  inUse: number;
  /** `performance.now()` when its last use ended (or it was made). */
  idleSince: number;
}

/** Counters of the pools of this process (tests and metrics). */
export interface TenantPoolStats {
  /** Pools open now. */
  open: number;
  /** Pools closed to make room since start. */
  evicted: number;
  /** Uses that went to the shared pool because no pool could be opened or replaced (all in use or used recently). */
  overflow: number;
}

/** See module doc. */
export class TenantPools {
  /** Pools by tenant, least recently used first (a Map keeps insertion order; a use moves its pool to the end). */
  private readonly pools = new Map<string, Pool>();
  private readonly closing = new Set<Promise<void>>();
  private readonly poolSize: number;
  private readonly maxTenants: number;
  readonly stats: TenantPoolStats = { open: 0, evicted: 0, overflow: 0 };
  private usable = false;
  /**
   * Resolves with true once a connection opened with `-c app.tenant_id=<uuid>` showed that setting,
   * false when it did not (then the pools are never used; `onUnavailable` says why).
   */
  readonly verified: Promise<boolean>;

  constructor(private readonly options: TenantPoolsOptions) {
    this.poolSize = options.poolSize ?? 4;
    this.maxTenants = options.maxTenants ?? 5;
    this.verified = this.checkConnectOptions().then((reason) => {
      this.usable = reason === undefined;
      if (reason !== undefined) options.onUnavailable?.(reason);
      return this.usable;
    });
  }

  /** Opens one connection with the tenant option; undefined when the server applied it, else why not. */
  private async checkConnectOptions(): Promise<string | undefined> {
    const client = new Client({ connectionString: this.options.url, options: `-c app.tenant_id=${CHECK_TENANT}` } as never);
    try {
      await client.connect();
      const { rows } = await client.query<{ t: string | null }>("SELECT current_setting('app.tenant_id', true) AS t");
      return rows[0]?.t === CHECK_TENANT ? undefined : 'the server ignored the connect-time option app.tenant_id';
    } catch (err) {
      return `a connection with the connect-time option app.tenant_id failed: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Most connections the tenant pools may hold together. */
  get maxConnections(): number {
    return this.maxTenants * this.poolSize;
  }

  /**
   * `tenantId`'s own pool for one use (made now, possibly in place of the least recently used pool
   * idle for `replaceIdleAfterMs`), or undefined when no more may open and none may be replaced, or
   * the pools are not (yet) known to work ({@link verified}).
   * @throws InvalidTenantIdError when `tenantId` is not a UUID (it is written into the connection options).
   */
  lease(tenantId: string): PoolLease | undefined {
    const id = requireTenantId(tenantId);
    if (!this.usable) return undefined;
    let pool = this.pools.get(id);
    if (pool) {
      this.pools.delete(id); // most recently used: to the end
    } else {
      if (this.maxTenants === 0) return this.overflow();
      if (this.pools.size >= this.maxTenants && !this.evictIdle()) return this.overflow();
      pool = {
        client: createPrismaClient({
          url: this.options.url,
          poolSize: this.poolSize,
          connectionOptions: `-c app.tenant_id=${id}`,
          idleTimeoutMs: this.options.idleTimeoutMs,
          minConnections: this.options.minConnections,
          onQuery: this.options.onQuery,
        }),
        inUse: 0,
        idleSince: performance.now(),
      };
    }
    this.pools.set(id, pool);
    this.stats.open = this.pools.size;
    pool.inUse++;
    let released = false;
    const p = pool;
    return {
      client: p.client,
      release: () => {
        if (released) return;
        released = true;
        p.inUse--;
        if (p.inUse === 0) p.idleSince = performance.now();
      },
    };
  }

  private overflow(): undefined {
    this.stats.overflow++;
    return undefined;
  }

  /** Closes the least recently used pool idle for `replaceIdleAfterMs`; false when there is none. */
  private evictIdle(): boolean {
    const idleBefore = performance.now() - (this.options.replaceIdleAfterMs ?? 5_000);
    for (const [id, pool] of this.pools) {
      if (pool.inUse > 0 || pool.idleSince > idleBefore) continue;
      this.pools.delete(id);
      this.stats.evicted++;
      const closing = pool.client.$disconnect().catch(() => undefined);
      this.closing.add(closing);
      void closing.finally(() => this.closing.delete(closing));
      return true;
    }
    return false;
  }

  /** Summed usage of every tenant pool, and how many pools exist (metrics). */
  usage(): PoolUsage & { pools: number } {
    const sum = { total: 0, idle: 0, waiting: 0, max: 0, pools: this.pools.size };
    for (const { client } of this.pools.values()) {
      const u = poolUsage(client);
      if (!u) continue;
      sum.total += u.total;
      sum.idle += u.idle;
      sum.waiting += u.waiting;
      sum.max += u.max;
    }
    return sum;
  }

  /** Closes every tenant pool (and waits for pools being closed). */
  async disconnect(): Promise<void> {
    const clients = [...this.pools.values()].map((p) => p.client);
    this.pools.clear();
    this.stats.open = 0;
    await Promise.all([...clients.map((c) => c.$disconnect()), ...this.closing]);
  }
}
