/**
 * Write fences (migration `20261215000000_tenant_placement`): a database refuses the app role's
 * writes of a tenant listed in its `tenant_write_fences` table (while the tenant is being moved, and
 * for good once it lives in another database), with SQLSTATE {@link WRITE_FENCE_SQLSTATE}. Every
 * guarded write also holds a shared transaction-scoped advisory lock on its tenant
 * (`pg_try_advisory_xact_lock_shared(`{@link FENCE_LOCK_NAMESPACE}`, hashtext(tenant_id::text))`),
 * so the move command (lib/db/tenant-move.ts) waits for the tenant's in-flight write transactions
 * by taking that lock exclusively.
 */
import { domainError } from '../errors';

/** SQLSTATE of the `tenant_write_guard` trigger's refusal. */
export const WRITE_FENCE_SQLSTATE = 'SGF01';

/** First key of the fence's advisory locks (0x66656e, 'fen'); the second is `hashtext(tenant_id::text)`. */
export const FENCE_LOCK_NAMESPACE = 0x66656e;

/**
 * True when `err` is a write-fence refusal: the SQLSTATE on the error, on its `cause` (the driver
 * error Prisma carries) or in its message. Never throws.
 */
export function isWriteFenced(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; originalCode?: unknown } } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === WRITE_FENCE_SQLSTATE) return true;
  if (e.cause && (e.cause.code === WRITE_FENCE_SQLSTATE || e.cause.originalCode === WRITE_FENCE_SQLSTATE)) return true;
  return typeof e.message === 'string' && (e.message.includes(WRITE_FENCE_SQLSTATE) || e.message.includes('tenant writes fenced'));
}

/**
 * The client error of a write that waited `TENANT_WRITE_PAUSE_WAIT_MS` for a move to finish:
 * `extensions.code` `TENANT_WRITES_PAUSED`, `extensions.retryAfter` 1 (seconds). Nothing was written.
 */
export function tenantWritesPaused() {
  return domainError(
    'TENANT_WRITES_PAUSED',
    "The tenant's data is being moved to another database; nothing was written. Retry in a second.",
    {
      retryAfter: 1,
    },
  );
}
