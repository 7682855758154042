/**
 * The services' database (the row-level-security-bound app role): hands out {@link TenantScope}s,
 * each bound to one tenant, over per-tenant pools when configured and the shared pool otherwise.
 * A scope picks its pool at each use, not when it is made: the tenant's own pool when it has one or
 * one can open within the connection budget (lib/db/tenant-pools.ts), else the shared pool per
 * transaction; so a pool closed to make room never breaks a request that holds a scope.
 * Composition roots build one per process; request contexts and event consumers ask it for the
 * scope of their tenant, so both reach PostgreSQL the same way.
 */
import type { PrismaClient } from './prisma-client';
import { TenantPools, type TenantPoolStats, type TenantPoolsOptions } from './tenant-pools';
import {
  requireTenantId,
  runUnitOfWork,
  SharedPoolScope,
  TenantPoolScope,
  TRANSACTION_DEFAULTS,
  type HookErrorHandler,
  type TenantClient,
  type TenantScope,
  type TransactionOptions,
  type UnitOfWork,
} from './tenant-scope';

/** Options of {@link TenantDatabase}. */
export interface TenantDatabaseOptions {
  /** The shared client of the app role (tenants without a pool, the platform path). */
  shared: PrismaClient;
  /** Per-tenant pools; absent = every tenant is scoped per transaction on `shared`. */
  tenantPools?: TenantPoolsOptions;
  /** Reports an after-commit hook that threw (default: ignored). */
  onHookError?: HookErrorHandler;
  /** Transaction limits when a caller sets none (default {@link TRANSACTION_DEFAULTS}). */
  transactionDefaults?: TransactionOptions;
}

/** Platform-level access, for the one write that is not a tenant's own: creating a tenant. */
export interface PlatformAccess {
  /**
   * A scope acting as the platform (`platform:admin`) for the new tenant `tenantId`: every use is a
   * transaction that sets `app.platform_admin = 'on'` (which the `tenants` insert policy requires)
   * and `app.tenant_id`, so the new row can be read back. Both settings end with the transaction.
   * `database`: the key of a dedicated database to act in (lib/db/tenant-placement.ts); absent or
   * null: the shared database (the directory of tenants).
   * @throws InvalidTenantIdError when `tenantId` is not a UUID; Error when `database` is not configured.
   */
  forNewTenant(tenantId: string, database?: string | null): TenantScope;
  /** Keys of the dedicated databases a tenant may be placed in (`TENANT_DATABASES`; empty without any). */
  readonly databaseKeys: readonly string[];
}

/** A tenant whose uses go to its own pool when one can be leased, else to the shared pool. */
class PooledScope implements TenantScope {
  private readonly shared: SharedPoolScope;

  constructor(
    readonly tenantId: string,
    private readonly pools: TenantPools,
    sharedClient: PrismaClient,
    private readonly onHookError: HookErrorHandler,
    private readonly defaults: TransactionOptions,
  ) {
    this.shared = new SharedPoolScope(tenantId, sharedClient, onHookError, defaults);
  }

  async run<T>(fn: (db: TenantClient) => Promise<T>): Promise<T> {
    const lease = this.pools.lease(this.tenantId);
    if (!lease) return this.shared.run(fn);
    try {
      return await new TenantPoolScope(this.tenantId, lease.client, this.onHookError, this.defaults).run(fn);
    } finally {
      lease.release();
    }
  }

  async transaction<T>(fn: (uow: UnitOfWork) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const lease = this.pools.lease(this.tenantId);
    if (!lease) return this.shared.transaction(fn, options);
    try {
      return await new TenantPoolScope(this.tenantId, lease.client, this.onHookError, this.defaults).transaction(fn, options);
    } finally {
      lease.release();
    }
  }
}

/** See module doc. */
export class TenantDatabase implements PlatformAccess {
  readonly shared: PrismaClient;
  private readonly pools?: TenantPools;
  /** Told when an after-commit hook throws. */
  protected readonly onHookError: HookErrorHandler;
  /** Transaction limits of every scope (Prisma's interactive transaction options). */
  protected readonly defaults: TransactionOptions;

  constructor(options: TenantDatabaseOptions) {
    this.defaults = { ...TRANSACTION_DEFAULTS, ...options.transactionDefaults };
    this.shared = options.shared;
    this.pools = options.tenantPools ? new TenantPools(options.tenantPools) : undefined;
    this.onHookError = options.onHookError ?? (() => undefined);
  }

  /**
   * The scope of `tenantId`: at each use, its own pool when it has (or can get) one, else the shared pool per transaction.
   * @throws InvalidTenantIdError when `tenantId` is not a UUID.
   */
  forTenant(tenantId: string): TenantScope {
    const id = requireTenantId(tenantId);
    return this.pools
      ? new PooledScope(id, this.pools, this.shared, this.onHookError, this.defaults)
      : new SharedPoolScope(id, this.shared, this.onHookError, this.defaults);
  }

  /** Counters of the tenant pools (undefined without them). */
  get poolStats(): TenantPoolStats | undefined {
    return this.pools?.stats;
  }

  /** No dedicated databases here (lib/db/tenant-placement.ts adds them). */
  get databaseKeys(): readonly string[] {
    return [];
  }

  /** The clients whose `outbox` tables this process's outbox relays publish: the shared one here. */
  outboxClients(): PrismaClient[] {
    return [this.shared];
  }

  forNewTenant(tenantId: string, database?: string | null): TenantScope {
    if (database) throw new Error(`No dedicated database ${database} is configured.`);
    const id = requireTenantId(tenantId);
    const prepare = (tx: TenantClient) =>
      tx.$executeRaw`SELECT set_config('app.platform_admin', 'on', true), set_config('app.tenant_id', ${id}, true)`;
    const transaction = <T>(fn: (uow: UnitOfWork) => Promise<T>, options: TransactionOptions = {}) =>
      runUnitOfWork(this.shared, id, prepare, fn, { ...this.defaults, ...options }, this.onHookError);
    return { tenantId: id, transaction, run: (fn) => transaction((uow) => uow.run(fn)) };
  }

  /**
   * Resolves once the tenancy path is settled: with per-tenant pools configured, once the check that
   * the server applies their connect-time option is done (until then every tenant is scoped per
   * transaction). True when tenants get pools of their own.
   */
  async ready(): Promise<boolean> {
    return this.pools ? this.pools.verified : false;
  }

  /** Summed usage of the tenant pools (undefined without per-tenant pools). */
  tenantPoolUsage(): ReturnType<TenantPools['usage']> | undefined {
    return this.pools?.usage();
  }

  /** Closes the tenant pools (not the shared client, which its creator owns). */
  async disconnect(): Promise<void> {
    await this.pools?.disconnect();
  }
}
