/**
 * Per-tenant connection pools: each tenant gets its own small pool whose every connection is opened
 * with the libpq option `-c app.tenant_id=<uuid>`, so the connection belongs to that tenant for its
 * whole life and row-level security needs no per-statement setting. At most `maxTenants` pools
 * exist; further tenants use the shared pool per transaction (lib/db/tenant-scope.ts).
 *
 * The pools are used only once one connection proved that the server applies connect-time options
 * ({@link TenantPools.verified}). A connection pooler in front of PostgreSQL does not: PgBouncer in
 * transaction mode refuses the `options` startup parameter ("unsupported startup parameter"), and
 * a pooler that ignored it would hand out connections without the tenant (row-level security then
 * shows no row). Until the check passed, and for good when it failed, every tenant is scoped per
 * transaction instead, which works through such poolers.
 */
import { Client } from 'pg';
import { createPrismaClient, poolUsage, type PoolUsage, type PrismaClient } from './prisma-client';
import { requireTenantId } from './tenant-scope';

/** Options of {@link TenantPools}. */
export interface TenantPoolsOptions {
  /** The services' database URL (the app role). */
  url: string;
  /** Connections per tenant pool (default 4). */
  poolSize?: number;
  /**
   * Most tenants with a pool of their own (default 50); further tenants go through the shared
   * pool, per transaction. Bounds the connections to `maxTenants × poolSize` plus the shared pool.
   */
  maxTenants?: number;
  /** Milliseconds an idle tenant connection stays open (default 10,000). */
  idleTimeoutMs?: number;
  /** Called with each SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Told why the pools are not used, when the connect-time option check fails. */
  onUnavailable?: (reason: string) => void;
}

/** The tenant id written into the check connection's options: no tenant has it. */
const CHECK_TENANT = '00000000-0000-0000-0000-000000000000';

/** See module doc. A tenant's pool is created on first use and closes idle connections after `idleTimeoutMs`. */
export class TenantPools {
  private readonly clients = new Map<string, PrismaClient>();
  private readonly poolSize: number;
  private readonly maxTenants: number;

  private usable = false;
  /**
   * Resolves with true once a connection opened with `-c app.tenant_id=<uuid>` showed that setting,
   * false when it did not (then the pools are never used; `onUnavailable` says why).
   */
  readonly verified: Promise<boolean>;

  constructor(private readonly options: TenantPoolsOptions) {
    this.poolSize = options.poolSize ?? 4;
    this.maxTenants = options.maxTenants ?? 50;
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

  /**
   * The client of `tenantId`'s own pool, or undefined when `maxTenants` pools exist already or the
   * pools are not (yet) known to work ({@link verified}).
   * @throws InvalidTenantIdError when `tenantId` is not a UUID (it is written into the connection options).
   */
  client(tenantId: string): PrismaClient | undefined {
    const id = requireTenantId(tenantId);
    if (!this.usable) return undefined;
    let client = this.clients.get(id);
    if (client) return client;
    if (this.clients.size >= this.maxTenants) return undefined;
    client = createPrismaClient({
      url: this.options.url,
      poolSize: this.poolSize,
      connectionOptions: `-c app.tenant_id=${id}`,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 10_000,
      onQuery: this.options.onQuery,
    });
    this.clients.set(id, client);
    return client;
  }

  /** Summed usage of every tenant pool, and how many pools exist (metrics). */
  usage(): PoolUsage & { pools: number } {
    const sum = { total: 0, idle: 0, waiting: 0, max: 0, pools: this.clients.size };
    for (const client of this.clients.values()) {
      const u = poolUsage(client);
      if (!u) continue;
      sum.total += u.total;
      sum.idle += u.idle;
      sum.waiting += u.waiting;
      sum.max += u.max;
    }
    return sum;
  }

  /** Closes every tenant pool. */
  async disconnect(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.$disconnect()));
  }
}
