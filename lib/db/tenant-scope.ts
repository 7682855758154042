/**
 * Tenant-scoped database access: the only way repositories reach PostgreSQL. Every call names the
 * tenant it acts for, and PostgreSQL's row-level security (migration
 * `20261122010000_row_level_security`) lets the statements see and write that tenant's rows only,
 * whatever their `WHERE` clauses say (README, "Security"; DESIGN.md, "Tenant isolation", layer 2).
 *
 * Two ways to carry the tenant to PostgreSQL, both per connection-use and never leaking:
 * - **Per transaction** (any {@link PrismaClient}, for example the shared pool): `fn` runs in an
 *   interactive transaction that starts with `set_config('app.tenant_id', <uuid>, true)`. The
 *   setting is transaction-local, so the pooled connection returns to the pool without it. Costs
 *   BEGIN + set_config + COMMIT around the statements.
 * - **Per-tenant pools** ({@link TenantClients}): each tenant gets its own small pool whose every
 *   connection is opened with the libpq option `-c app.tenant_id=<uuid>`, so a connection belongs
 *   to one tenant for its whole life and a single statement needs one round trip. Multi-statement
 *   units of work still run in a transaction on that pool.
 */
import type { Prisma, PrismaClient } from './prisma-client';
import { createPrismaClient } from './prisma-client';
import { isUuid } from '../uuid';

/** Name of the role the services connect as (not owner, not superuser, no BYPASSRLS). */
export const APP_ROLE = 'supergraph_app';

/** A transaction client, or a tenant's own client: what `fn` of {@link withTenant} receives. */
export type TenantTx = Prisma.TransactionClient;

/** Thrown when a tenant id handed to the database layer is not a UUID (a bug, never client input). */
export class InvalidTenantIdError extends Error {}

function requireTenantId(tenantId: string): string {
  if (!isUuid(tenantId)) throw new InvalidTenantIdError('The tenant id of a database scope must be a UUID.');
  return tenantId.toLowerCase();
}

/** Options of {@link TenantClients}. */
export interface TenantClientsOptions {
  /** The services' database URL (the app role). */
  url: string;
  /** Connections per tenant pool (default 4). */
  poolSize?: number;
  /**
   * Most tenants with a pool of their own (default 50); further tenants go through the shared
   * pool, per transaction. Bounds the connections to `maxTenants × poolSize` plus the shared pool.
   */
  maxTenants?: number;
  /** Milliseconds an idle tenant connection stays open (default 10 000). */
  idleTimeoutMs?: number;
  /** Called with each SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
}

/**
 * Per-tenant pools whose connections have `app.tenant_id` fixed at connect (libpq `options`), in
 * front of a shared pool used per transaction for tenants beyond `maxTenants`. A tenant's pool
 * is created on first use and closes idle connections after `idleTimeoutMs`.
 */
export class TenantClients {
  private readonly clients = new Map<string, PrismaClient>();
  private readonly poolSize: number;
  private readonly maxTenants: number;

  /** @param shared the shared (tenant-less) client of the same role, for overflow tenants. */
  constructor(
    readonly shared: PrismaClient,
    private readonly options: TenantClientsOptions,
  ) {
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

  /** Closes every tenant pool (not the shared one). */
  async disconnect(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.$disconnect()));
  }
}

/** What repositories are given: a plain client (per-transaction scoping) or per-tenant pools. */
export type TenantDb = PrismaClient | TenantClients;

/** Options of {@link withTenant}. */
export interface WithTenantOptions {
  /**
   * Run `fn` in one transaction even on a tenant's own pool (units of work with several
   * statements that must commit together). On a plain client `fn` always runs in a transaction.
   */
  transaction?: boolean;
  /** Most milliseconds to wait for a connection (Prisma `maxWait`, default 2 000). */
  maxWait?: number;
  /** Most milliseconds the transaction may run (Prisma `timeout`, default 5 000). */
  timeout?: number;
}

/** `SELECT set_config('app.tenant_id', <tenantId>, true)` inside transaction `tx`. */
async function setLocalTenant(tx: TenantTx, tenantId: string): Promise<void> {
  await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
}

/**
 * Runs `fn` with a database handle on which PostgreSQL shows and accepts the rows of `tenantId`
 * only (row-level security). Every repository method goes through it; repositories keep their own
 * `tenant_id` filters as well (defence in depth).
 * @param db a plain client (the tenant is set per transaction with `set_config(..., true)`, so the
 *   pooled connection never carries it to its next use) or {@link TenantClients} (the tenant's own pool).
 * @throws InvalidTenantIdError when `tenantId` is not a UUID; whatever `fn` or the database throws
 *   (the transaction then rolls back).
 */
export async function withTenant<T>(
  db: TenantDb,
  tenantId: string,
  fn: (tx: TenantTx) => Promise<T>,
  options: WithTenantOptions = {},
): Promise<T> {
  const id = requireTenantId(tenantId);
  const txOptions = { maxWait: options.maxWait, timeout: options.timeout };
  if (db instanceof TenantClients) {
    const own = db.client(id);
    if (own) return options.transaction ? own.$transaction((tx) => fn(tx), txOptions) : fn(own);
    db = db.shared;
  }
  return db.$transaction(async (tx) => {
    await setLocalTenant(tx, id);
    return fn(tx);
  }, txOptions);
}

/**
 * Runs `fn` in a transaction acting as the platform (`platform:admin`) for tenant `tenantId`: sets
 * `app.platform_admin = 'on'`, which the `tenants` policy requires to INSERT a tenant, and
 * `app.tenant_id`, so the new row can be read back. Only `createTenant` uses it, after the
 * `@requiresScope(scope: "platform:admin")` check; both settings end with the transaction.
 * @throws InvalidTenantIdError when `tenantId` is not a UUID; database errors.
 */
export async function withPlatformAdmin<T>(db: TenantDb, tenantId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
  const id = requireTenantId(tenantId);
  const client = db instanceof TenantClients ? db.shared : db;
  return client.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('app.platform_admin', 'on', true), set_config('app.tenant_id', ${id}, true)`;
    return fn(tx);
  });
}
