/**
 * Tenant placement (README, "Scaling out", "Dedicated databases"): a tenant lives in the shared
 * database (the pool model) or in a dedicated PostgreSQL database of its own (the silo model). The
 * shared database's `tenants` table is the directory: its `database` column holds the key of the
 * tenant's dedicated database (`TENANT_DATABASES`), or null. {@link RoutedTenantDatabase} is the
 * {@link TenantDatabase} every subgraph and consumer gets: `forTenant(id)` answers a scope that, at
 * each use, looks the tenant's placement up (cached for `ttlMs`) and runs on that database's own
 * {@link TenantDatabase}, so resolvers, services and repositories do not know where a tenant lives.
 *
 * - **Isolation.** The lookup reads the tenant's own directory row through its row-level-security
 *   scope on the shared database, so it cannot see another tenant's row; every dedicated database
 *   has the same schema, app role and row-level security (the same migrations).
 * - **Moves.** While the move command (lib/db/tenant-move.ts) copies a tenant, its database refuses
 *   the tenant's writes (a write fence, lib/db/write-fence.ts), and keeps refusing them once the
 *   tenant lives elsewhere. A scope whose use is refused forgets the cached placement, waits
 *   (25 ms, doubling up to 250 ms) and runs the use again on the placement it then finds, for up to
 *   `writePauseWaitMs`; so a write during a move is delayed, not lost, and a process whose cache is
 *   stale cannot write to the database the tenant left. Reads are never refused.
 * - **Connections.** Each dedicated database gets one pool of `poolSize` connections per process
 *   (per-transaction tenant setting, no tenant pools), made on first use and closed by
 *   {@link RoutedTenantDatabase.disconnect}; the shared database keeps its own budget.
 * - Platform paths (`createTenant`'s directory row, placement lookups) stay on the shared database.
 */
import { createPrismaClient, type PoolIdleOptions, type PrismaClient } from './prisma-client';
import { TenantDatabase, type TenantDatabaseOptions } from './tenant-database';
import {
  requireTenantId,
  SharedPoolScope,
  type TenantScope,
  type TransactionOptions,
  type UnitOfWork,
  type TenantClient,
} from './tenant-scope';
import { isWriteFenced, tenantWritesPaused } from './write-fence';

/** Options of {@link RoutedTenantDatabase} besides the shared database's; the idle options apply to each dedicated database's pool. */
export interface PlacementOptions extends PoolIdleOptions {
  /** App-role URLs of the dedicated databases, by key. */
  databases: Record<string, string>;
  /** Connections of each dedicated database's pool (default 4). */
  poolSize?: number;
  /** How long a placement is kept, ms (default 2,000). */
  ttlMs?: number;
  /** How long a fenced use is retried before `TENANT_WRITES_PAUSED`, ms (default 4,000). */
  writePauseWaitMs?: number;
  /** Most placements kept (default 10,000). */
  maxCached?: number;
  /** Called with each SQL statement of the dedicated databases (tests count them). */
  onQuery?: (sql: string) => void;
}

/** A tenant scope that finds its tenant's database at each use (see module doc). */
class RoutedScope implements TenantScope {
  constructor(
    readonly tenantId: string,
    private readonly router: RoutedTenantDatabase,
  ) {}

  run<T>(fn: (db: TenantClient) => Promise<T>): Promise<T> {
    return this.router.withPlacement(this.tenantId, (scope) => scope.run(fn));
  }

  transaction<T>(fn: (uow: UnitOfWork) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.router.withPlacement(this.tenantId, (scope) => scope.transaction(fn, options));
  }
}

interface CachedPlacement {
  until: number;
  key: Promise<string | null>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** See module doc. */
export class RoutedTenantDatabase extends TenantDatabase {
  private readonly dedicated = new Map<string, { client: PrismaClient; database: TenantDatabase }>();
  private readonly cache = new Map<string, CachedPlacement>();
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly keys: readonly string[];
  /** Counters since start: placement lookups made (cache misses), uses refused by a write fence and retried. */
  readonly placementStats = { lookups: 0, fencedRetries: 0 };

  constructor(
    options: TenantDatabaseOptions,
    private readonly placement: PlacementOptions,
  ) {
    super(options);
    this.ttlMs = placement.ttlMs ?? 2_000;
    this.waitMs = placement.writePauseWaitMs ?? 4_000;
    this.keys = Object.keys(placement.databases);
  }

  /** Keys of the dedicated databases (`TENANT_DATABASES`). */
  override get databaseKeys(): readonly string[] {
    return this.keys;
  }

  /**
   * The scope of `tenantId`, routed to its database at each use (see module doc).
   * @throws InvalidTenantIdError when `tenantId` is not a UUID.
   */
  override forTenant(tenantId: string): TenantScope {
    const id = requireTenantId(tenantId);
    return this.databaseKeys.length === 0 ? super.forTenant(id) : new RoutedScope(id, this);
  }

  /**
   * The platform scope for the new tenant `tenantId` in the shared database (the directory), or in
   * dedicated database `database` (see `PlatformAccess.forNewTenant` in lib/db/tenant-database.ts).
   * @throws InvalidTenantIdError when `tenantId` is not a UUID; Error when `database` is not configured.
   */
  override forNewTenant(tenantId: string, database?: string | null): TenantScope {
    return database ? this.databaseOf(database).forNewTenant(tenantId) : super.forNewTenant(tenantId);
  }

  /** The shared client and each dedicated database's client (made now if not yet): the outbox relays publish them all. */
  override outboxClients(): PrismaClient[] {
    return [this.shared, ...this.databaseKeys.map((key) => this.dedicatedOf(key).client)];
  }

  /**
   * The key of `tenantId`'s dedicated database, or null for the shared database (also for a tenant
   * without a directory row); cached for `ttlMs`.
   * @throws the database's error (nothing is cached then).
   */
  placementOf(tenantId: string): Promise<string | null> {
    const id = requireTenantId(tenantId);
    const now = performance.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.key;
    this.placementStats.lookups++;
    // Per transaction on the shared pool: a tenant that lives elsewhere gets no tenant pool here.
    const key = new SharedPoolScope(id, this.shared, () => undefined, this.defaults)
      .run((db) => db.tenant.findUnique({ where: { id }, select: { database: true } }))
      .then((row) => row?.database ?? null);
    if (this.cache.size >= (this.placement.maxCached ?? 10_000)) this.cache.delete(this.cache.keys().next().value!);
    const entry = { until: now + this.ttlMs, key };
    this.cache.set(id, entry);
    key.catch(() => {
      if (this.cache.get(id) === entry) this.cache.delete(id);
    });
    return key;
  }

  /** Forgets the cached placement of `tenantId` (the next use looks it up). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId.toLowerCase());
  }

  /**
   * Runs `use` on the scope of `tenantId`'s database; a use refused by a write fence is run again on
   * the placement found then, for up to `writePauseWaitMs`.
   * @throws GraphQLError `TENANT_WRITES_PAUSED` when the tenant's writes stayed fenced that long;
   *   Error when the tenant's directory row names a database the configuration lacks; whatever `use` throws.
   */
  async withPlacement<T>(tenantId: string, use: (scope: TenantScope) => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.waitMs;
    let delay = 25;
    for (;;) {
      const key = await this.placementOf(tenantId);
      const scope = key === null ? super.forTenant(tenantId) : this.databaseOf(key).forTenant(tenantId);
      try {
        return await use(scope);
      } catch (err) {
        if (!isWriteFenced(err)) throw err;
        this.placementStats.fencedRetries++;
        this.invalidate(tenantId);
        if (performance.now() + delay > deadline) throw tenantWritesPaused();
        await sleep(delay);
        delay = Math.min(delay * 2, 250);
      }
    }
  }

  /**
   * The {@link TenantDatabase} of dedicated database `key` (made on first use).
   * @throws Error when `key` is not configured (`TENANT_DATABASES`).
   */
  databaseOf(key: string): TenantDatabase {
    return this.dedicatedOf(key).database;
  }

  private dedicatedOf(key: string): { client: PrismaClient; database: TenantDatabase } {
    let entry = this.dedicated.get(key);
    if (entry) return entry;
    const url = this.placement.databases[key];
    if (!url) throw new Error(`A tenant is placed in database ${key}, which TENANT_DATABASES does not define.`);
    const { poolSize = 4, idleTimeoutMs, minConnections, onQuery } = this.placement;
    const client = createPrismaClient({ url, poolSize, idleTimeoutMs, minConnections, onQuery });
    entry = {
      client,
      database: new TenantDatabase({ shared: client, transactionDefaults: this.defaults, onHookError: this.onHookError }),
    };
    this.dedicated.set(key, entry);
    return entry;
  }

  /** Closes the tenant pools, then every dedicated database's pool (not the shared client, which its creator owns). */
  override async disconnect(): Promise<void> {
    await super.disconnect();
    const entries = [...this.dedicated.values()];
    this.dedicated.clear();
    await Promise.all(entries.map(async (e) => (await e.database.disconnect(), await e.client.$disconnect())));
  }
}
