/**
 * Tenant-scoped database access: the only way repositories reach PostgreSQL. A {@link TenantScope}
 * is bound to one tenant when it is made (once per request, or once per event for a consumer), so a
 * repository built on it has no `tenantId` parameter and cannot be called for another tenant.
 * PostgreSQL's row-level security (migration `20261122010000_row_level_security`) then lets its
 * statements see and write that tenant's rows only, whatever their `WHERE` clauses say; repositories
 * keep their own `tenant_id` filters as well (defence in depth).
 *
 * Two ways to carry the tenant to PostgreSQL, both per connection-use and never leaking:
 * - **Per transaction** ({@link SharedPoolScope}, the shared pool): every use runs in a transaction
 *   that starts with `set_config('app.tenant_id', <uuid>, true)`. The setting is transaction-local,
 *   so the pooled connection returns to the pool without it. Costs BEGIN + set_config + COMMIT.
 * - **Per-tenant pool** ({@link TenantPoolScope}): the tenant's own small pool whose every connection
 *   was opened with the libpq option `-c app.tenant_id=<uuid>` (lib/db/tenant-pools.ts), so a
 *   single statement needs one round trip. Units of work still run in a transaction on that pool.
 *
 * A unit of work ({@link UnitOfWork}) is a scope whose every `run` uses one transaction; services
 * open it with {@link TenantScope.transaction} and hand it to repository steps. Hooks registered with
 * {@link UnitOfWork.afterCommit} (waking the outbox relay) run once the transaction committed.
 */
import type { Prisma, PrismaClient } from './prisma-client';
import { isUuid } from '../uuid';

/** Name of the role the services connect as (not owner, not superuser, no BYPASSRLS). */
export const APP_ROLE = 'supergraph_app';

/** What a scope hands to `fn`: a transaction client, or a tenant pool's client (same query API). */
export type TenantClient = Prisma.TransactionClient;

/** Limits of a transaction (Prisma's interactive transaction options). */
export interface TransactionOptions {
  /** Most milliseconds to wait for a connection (Prisma `maxWait`; the database's default, see {@link TRANSACTION_DEFAULTS}). */
  maxWait?: number;
  /** Most milliseconds the transaction may run (Prisma `timeout`; the database's default). */
  timeout?: number;
}

/**
 * Transaction limits when neither the caller nor the configuration set them: generous, so a burst
 * queues for a connection (through a pooler such as PgBouncer, or a small pool) instead of failing
 * after Prisma's own 2 s `maxWait`.
 */
export const TRANSACTION_DEFAULTS: Readonly<Required<TransactionOptions>> = { maxWait: 15_000, timeout: 15_000 };

/** `options` over `defaults`, key by key. */
function withDefaults(options: TransactionOptions, defaults: TransactionOptions): TransactionOptions {
  return { maxWait: options.maxWait ?? defaults.maxWait, timeout: options.timeout ?? defaults.timeout };
}

/** Database access bound to one tenant (see module doc). */
export interface TenantScope {
  /** The tenant every statement acts for (a lower-case UUID). */
  readonly tenantId: string;
  /**
   * Runs `fn` with a client on which PostgreSQL shows and accepts this tenant's rows only. Several
   * statements in `fn` are not atomic together unless this scope is a {@link UnitOfWork}.
   * @throws whatever `fn` or the database throws.
   */
  run<T>(fn: (db: TenantClient) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction of this tenant: every `run` of the unit of work `fn` receives uses
   * it, and it commits when `fn` resolves or rolls back when `fn` throws. Called on a unit of work,
   * it joins that transaction.
   * @throws whatever `fn` or the database throws (after the rollback).
   */
  transaction<T>(fn: (uow: UnitOfWork) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** One transaction of one tenant, with hooks that run after it committed. */
export interface UnitOfWork extends TenantScope {
  /**
   * Runs `hook` once after the transaction committed, never after a rollback. Registering the same
   * function twice runs it once. A throwing hook does not undo the commit; its error is reported to
   * the scope's `onHookError`.
   */
  afterCommit(hook: () => void): void;
}

/** Thrown when a tenant id handed to the database layer is not a UUID (a bug, never client input). */
export class InvalidTenantIdError extends Error {}

/**
 * The lower-cased `tenantId`.
 * @throws InvalidTenantIdError when it is not a UUID (it is written into SQL settings and connection options).
 */
export function requireTenantId(tenantId: string): string {
  if (!isUuid(tenantId)) throw new InvalidTenantIdError('The tenant id of a database scope must be a UUID.');
  return tenantId.toLowerCase();
}

/** Reports a failed after-commit hook (the commit stands). */
export type HookErrorHandler = (err: unknown) => void;

/** A unit of work over an open transaction client. */
class TransactionScope implements UnitOfWork {
  readonly hooks = new Set<() => void>();

  constructor(
    readonly tenantId: string,
    private readonly tx: TenantClient,
  ) {}

  run<T>(fn: (db: TenantClient) => Promise<T>): Promise<T> {
    return fn(this.tx);
  }

  transaction<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    return fn(this);
  }

  afterCommit(hook: () => void): void {
    this.hooks.add(hook);
  }
}

/**
 * Runs `fn` in `client.$transaction`, first calling `prepare` on the transaction (tenant settings),
 * then the unit of work's after-commit hooks once it committed.
 */
export async function runUnitOfWork<T>(
  client: PrismaClient,
  tenantId: string,
  prepare: ((tx: TenantClient) => Promise<unknown>) | undefined,
  fn: (uow: UnitOfWork) => Promise<T>,
  options: TransactionOptions,
  onHookError: HookErrorHandler,
): Promise<T> {
  let scope: TransactionScope | undefined;
  const result = await client.$transaction(
    async (tx) => {
      if (prepare) await prepare(tx);
      scope = new TransactionScope(tenantId, tx);
      return fn(scope);
    },
    { maxWait: options.maxWait, timeout: options.timeout },
  );
  for (const hook of scope?.hooks ?? []) {
    try {
      hook();
    } catch (err) {
      onHookError(err);
    }
  }
  return result;
}

/** `SELECT set_config('app.tenant_id', <tenantId>, true)`: the transaction-local tenant setting. */
export async function setLocalTenant(tx: TenantClient, tenantId: string): Promise<void> {
  await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
}

/** A tenant on the shared pool: every use is a transaction that sets `app.tenant_id` first. */
export class SharedPoolScope implements TenantScope {
  constructor(
    readonly tenantId: string,
    private readonly client: PrismaClient,
    private readonly onHookError: HookErrorHandler,
    private readonly defaults: TransactionOptions = TRANSACTION_DEFAULTS,
  ) {}

  run<T>(fn: (db: TenantClient) => Promise<T>): Promise<T> {
    return this.client.$transaction(
      async (tx) => {
        await setLocalTenant(tx, this.tenantId);
        return fn(tx);
      },
      withDefaults({}, this.defaults),
    );
  }

  transaction<T>(fn: (uow: UnitOfWork) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const limits = withDefaults(options, this.defaults);
    return runUnitOfWork(this.client, this.tenantId, (tx) => setLocalTenant(tx, this.tenantId), fn, limits, this.onHookError);
  }
}

/** A tenant on its own pool (`app.tenant_id` fixed at connect): single uses need no transaction. */
export class TenantPoolScope implements TenantScope {
  constructor(
    readonly tenantId: string,
    private readonly client: PrismaClient,
    private readonly onHookError: HookErrorHandler,
    private readonly defaults: TransactionOptions = TRANSACTION_DEFAULTS,
  ) {}

  run<T>(fn: (db: TenantClient) => Promise<T>): Promise<T> {
    return fn(this.client);
  }

  transaction<T>(fn: (uow: UnitOfWork) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return runUnitOfWork(this.client, this.tenantId, undefined, fn, withDefaults(options, this.defaults), this.onHookError);
  }
}
