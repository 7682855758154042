/**
 * Per-tenant connection pools: each tenant gets its own small pool whose every connection is opened
 * with the libpq option `-c app.tenant_id=<uuid>`, so the connection belongs to that tenant for its
 * whole life and row-level security needs no per-statement setting. At most `maxTenants` pools
 * exist; further tenants use the shared pool per transaction (lib/db/tenant-scope.ts).
 */
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
}

/** See module doc. A tenant's pool is created on first use and closes idle connections after `idleTimeoutMs`. */
export class TenantPools {
  private readonly clients = new Map<string, PrismaClient>();
  private readonly poolSize: number;
  private readonly maxTenants: number;

  constructor(private readonly options: TenantPoolsOptions) {
    this.poolSize = options.poolSize ?? 4;
    this.maxTenants = options.maxTenants ?? 50;
  }

  /**
   * The client of `tenantId`'s own pool, or undefined when `maxTenants` pools exist already.
   * @throws InvalidTenantIdError when `tenantId` is not a UUID (it is written into the connection options).
   */
  client(tenantId: string): PrismaClient | undefined {
    const id = requireTenantId(tenantId);
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
