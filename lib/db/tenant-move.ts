/**
 * Moves a tenant between the shared database and a dedicated one (README, "Dedicated databases"),
 * as the owner role of each database; `npm run tenant:move -- <slug> <target>` runs it.
 *
 * 1. **Pause.** A write fence (`moving`) on the tenant in the source database: from then on every
 *    write of the tenant there is refused and retried by the services (lib/db/tenant-placement.ts);
 *    reads go on. Then the fence's advisory lock, taken exclusively, waits for the tenant's
 *    in-flight write transactions to end (at most `lockTimeoutMs`), and the outbox relays' lock of
 *    the tenant keeps every relay off its outbox rows in the source.
 * 2. **Copy.** Every row of the tenant (its `tenants` row, users, products, order counter, orders and
 *    lines, notifications, outbox rows published or not) is read in one REPEATABLE READ snapshot and
 *    written into the target in one transaction, parents first, after deleting whatever an earlier,
 *    interrupted run left there; the transaction commits only when the target's checksum of the
 *    tenant equals the snapshot's.
 * 3. **Switch.** The directory row (shared database) gets the new placement: in the copy
 *    transaction itself when the target is the shared database, else right after it. The source's
 *    fence becomes `moved` for good, so a process still routing there has its writes refused and
 *    retried on the new placement; unpublished outbox rows are now published from the target.
 * 4. **Settle and clean.** After `settleMs` (at least the services' `TENANT_PLACEMENT_TTL_MS`: every
 *    process has looked the placement up again, so no read goes to the source any more) the
 *    tenant's rows are deleted from the source (the directory row stays when that is the shared
 *    database), and the locks are released.
 *
 * A failure before the switch removes the fence (nothing changed); after it, the message says to
 * run the command again. Running it again is always safe: with the tenant already placed on the
 * target it repairs (removes a leftover fence there, writes a missing `tenants` row there, fences
 * and deletes leftover rows in every other database).
 */
import { Client } from 'pg';
import { RELAY_LOCK_NAMESPACE } from '../events/outbox-relay';
import { migrate } from './migrate';
import {
  deleteTenantRows,
  readTenantRows,
  setTenant,
  snapshotCounts,
  tenantChecksum,
  writeTenantRows,
  type TenantSnapshot,
} from './tenant-rows';
import { SHARED_DATABASE } from '../config-placement';
import { FENCE_LOCK_NAMESPACE } from './write-fence';

/** The target name of the shared database. */
export const SHARED_TARGET = SHARED_DATABASE;

/** First key of the advisory lock that lets one move of a tenant run at a time (0x6d6f76, 'mov'). */
const MOVE_LOCK_NAMESPACE = 0x6d6f76;

/** Owner-role URLs of the databases a tenant may live in. */
export interface MoveDatabases {
  /** The shared database (the directory of tenants): `DATABASE_URL`. */
  shared: string;
  /** The dedicated databases by key: `TENANT_DATABASES`. */
  dedicated: Record<string, string>;
}

/** Options of {@link moveTenant}. */
export interface MoveOptions {
  /** Ms between the switch and deleting the source's rows: at least the services' `TENANT_PLACEMENT_TTL_MS`. */
  settleMs: number;
  /** Most ms to wait for the tenant's in-flight write transactions (default 30,000). */
  lockTimeoutMs?: number;
  /** Apply pending migrations to the source and target first (default true). */
  migrate?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What {@link moveTenant} did. */
export interface MoveReport {
  tenantId: string;
  slug: string;
  /** Where the tenant lived (`shared` or a key). */
  from: string;
  /** Where it lives now. */
  to: string;
  /** `moved`, or `repaired` when it already lived on the target. */
  action: 'moved' | 'repaired';
  /** Rows copied per table (empty when repaired). */
  rows: Record<string, number>;
  /** The checksum of its rows in the target (lib/db/tenant-rows.ts). */
  checksum: string;
  /** Databases whose leftover rows of the tenant were deleted. */
  cleaned: string[];
}

/** A refused or failed move; its message says what to do. */
export class TenantMoveError extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The owner URL of database `name` (`shared` or a dedicated key); undefined for an unknown name. */
function urlOf(databases: MoveDatabases, name: string): string | undefined {
  return name === SHARED_TARGET ? databases.shared : databases.dedicated[name];
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`SET TIME ZONE 'UTC'`);
  return client;
}

/** Runs `fn` in a transaction of `client` with `app.tenant_id` set; rolls back when it throws. */
async function inTransaction<T>(client: Client, tenantId: string, fn: () => Promise<T>, begin = 'BEGIN'): Promise<T> {
  await client.query(begin);
  try {
    await setTenant(client, tenantId);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Moves tenant `slug` to `target` (`shared` or a key of `databases.dedicated`); see module doc.
 * @throws TenantMoveError for an unknown tenant or target (nothing changed), a move of the tenant
 *   already running, in-flight writes that outlast `lockTimeoutMs` or a checksum mismatch (the
 *   fence removed, nothing changed), or a failure after the switch (rerun to finish).
 */
export async function moveTenant(databases: MoveDatabases, slug: string, target: string, options: MoveOptions): Promise<MoveReport> {
  if (!urlOf(databases, target)) {
    const keys = Object.keys(databases.dedicated);
    throw new TenantMoveError(
      `Unknown target ${JSON.stringify(target)}: use "${SHARED_TARGET}"${keys.length ? ` or one of ${keys.join(', ')}` : ' (TENANT_DATABASES defines no dedicated database)'}.`,
    );
  }
  const directory = await connect(databases.shared);
  try {
    const found = await directory.query<{ id: string; database: string | null }>('SELECT id, database FROM tenants WHERE slug = $1', [
      slug,
    ]);
    const tenant = found.rows[0];
    if (!tenant) throw new TenantMoveError(`Unknown tenant ${JSON.stringify(slug)}: no tenant has this slug.`);
    const from = tenant.database ?? SHARED_TARGET;
    if (!urlOf(databases, from))
      throw new TenantMoveError(`Tenant ${slug} lives in database ${from}, which TENANT_DATABASES does not define.`);
    const locked = await directory.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
      MOVE_LOCK_NAMESPACE,
      tenant.id,
    ]);
    if (!locked.rows[0]!.ok) throw new TenantMoveError(`Another move of tenant ${slug} is running.`);
    if (options.migrate !== false) for (const name of new Set([from, target])) await migrate(urlOf(databases, name)!);
    const base = { tenantId: tenant.id, slug, from, to: target };
    if (from === target) return { ...base, action: 'repaired', rows: {}, ...(await repair(databases, tenant.id, target, options)) };
    return { ...base, action: 'moved', ...(await copyAndSwitch(databases, directory, tenant.id, slug, from, target, options)) };
  } finally {
    await directory.end().catch(() => undefined);
  }
}

async function copyAndSwitch(
  databases: MoveDatabases,
  directory: Client,
  tenantId: string,
  slug: string,
  from: string,
  to: string,
  options: MoveOptions,
): Promise<{ rows: Record<string, number>; checksum: string; cleaned: string[] }> {
  const log = options.log ?? (() => undefined);
  const source = await connect(urlOf(databases, from)!);
  const target = await connect(urlOf(databases, to)!);
  let switched = false;
  try {
    await source.query(`SET lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs ?? 30_000))}`);
    await source.query(
      `INSERT INTO tenant_write_fences (tenant_id, reason) VALUES ($1, 'moving')
       ON CONFLICT (tenant_id) DO UPDATE SET reason = 'moving', created_at = now()`,
      [tenantId],
    );
    log(`${slug}: writes paused in ${from}; waiting for in-flight write transactions`);
    let snapshot: TenantSnapshot;
    let checksum: string;
    try {
      await source.query('SELECT pg_advisory_lock($1, hashtext($2))', [FENCE_LOCK_NAMESPACE, tenantId]);
      await source.query('SELECT pg_advisory_lock($1, hashtext($2))', [RELAY_LOCK_NAMESPACE, tenantId]);
      [snapshot, checksum] = await inTransaction(
        source,
        tenantId,
        async () => [await readTenantRows(source, tenantId), await tenantChecksum(source, tenantId)] as const,
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      );
      log(`${slug}: snapshot read (${checksum}); copying into ${to}`);
      await inTransaction(target, tenantId, async () => {
        await deleteTenantRows(target, tenantId, false);
        await target.query('DELETE FROM tenant_write_fences WHERE tenant_id = $1', [tenantId]);
        await writeTenantRows(target, snapshot, to === SHARED_TARGET ? null : to);
        const copied = await tenantChecksum(target, tenantId);
        if (copied !== checksum) throw new TenantMoveError(`The copy in ${to} does not match the snapshot (${copied} != ${checksum}).`);
      });
      if (to !== SHARED_TARGET) {
        await inTransaction(directory, tenantId, () => directory.query('UPDATE tenants SET database = $2 WHERE id = $1', [tenantId, to]));
      }
      switched = true;
    } catch (err) {
      await source.query(`DELETE FROM tenant_write_fences WHERE tenant_id = $1 AND reason = 'moving'`, [tenantId]).catch(() => undefined);
      const why = (err as Error).message;
      throw new TenantMoveError(`Move of ${slug} to ${to} failed before the switch, nothing changed (writes resumed in ${from}): ${why}`);
    }
    await source.query(`UPDATE tenant_write_fences SET reason = 'moved' WHERE tenant_id = $1`, [tenantId]);
    await source.query('SELECT pg_advisory_unlock($1, hashtext($2))', [FENCE_LOCK_NAMESPACE, tenantId]);
    log(`${slug}: switched to ${to}; waiting ${options.settleMs} ms before deleting its rows from ${from}`);
    await sleep(options.settleMs);
    await inTransaction(source, tenantId, () => deleteTenantRows(source, tenantId, from !== SHARED_TARGET));
    log(`${slug}: rows deleted from ${from}`);
    return { rows: snapshotCounts(snapshot), checksum, cleaned: [from] };
  } catch (err) {
    if (!switched || err instanceof TenantMoveError) throw err;
    throw new TenantMoveError(
      `Tenant ${slug} now lives in ${to}, but cleaning up ${from} failed (${(err as Error).message}): run npm run tenant:move -- ${slug} ${to} again to finish.`,
    );
  } finally {
    await Promise.all([source.end().catch(() => undefined), target.end().catch(() => undefined)]);
  }
}

/** The tenant already lives in `home`: unfence it there, give it its `tenants` row there, fence and empty every other database. */
async function repair(
  databases: MoveDatabases,
  tenantId: string,
  home: string,
  options: MoveOptions,
): Promise<{ checksum: string; cleaned: string[] }> {
  const names = [SHARED_TARGET, ...Object.keys(databases.dedicated)];
  const dirty: string[] = [];
  for (const name of names.filter((n) => n !== home)) {
    const db = await connect(urlOf(databases, name)!);
    try {
      const counts = await inTransaction(db, tenantId, () => readTenantRows(db, tenantId));
      const rows = Object.entries(snapshotCounts(counts)).reduce((n, [t, c]) => n + (t === 'tenants' && name === SHARED_TARGET ? 0 : c), 0);
      const fence = await db.query<{ reason: string }>('SELECT reason FROM tenant_write_fences WHERE tenant_id = $1', [tenantId]);
      if (rows > 0 || fence.rows[0]?.reason === 'moving') {
        await db.query(
          `INSERT INTO tenant_write_fences (tenant_id, reason) VALUES ($1, 'moved') ON CONFLICT (tenant_id) DO UPDATE SET reason = 'moved'`,
          [tenantId],
        );
      }
      if (rows > 0) dirty.push(name);
    } finally {
      await db.end();
    }
  }
  const db = await connect(urlOf(databases, home)!);
  let checksum: string;
  try {
    checksum = await inTransaction(db, tenantId, async () => {
      await db.query('DELETE FROM tenant_write_fences WHERE tenant_id = $1', [tenantId]);
      if (home !== SHARED_TARGET && (await db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId])).rowCount === 0) {
        const dir = await connect(databases.shared);
        try {
          const row = await inTransaction(dir, tenantId, () => readTenantRows(dir, tenantId));
          await writeTenantRows(db, { tenants: row.tenants!, ...EMPTY_TABLES }, home);
        } finally {
          await dir.end();
        }
      }
      return tenantChecksum(db, tenantId);
    });
  } finally {
    await db.end();
  }
  if (dirty.length) await sleep(options.settleMs);
  for (const name of dirty) {
    const stale = await connect(urlOf(databases, name)!);
    try {
      await stale.query('SELECT pg_advisory_lock($1, hashtext($2))', [RELAY_LOCK_NAMESPACE, tenantId]);
      await inTransaction(stale, tenantId, () => deleteTenantRows(stale, tenantId, name !== SHARED_TARGET));
    } finally {
      await stale.end();
    }
  }
  return { checksum, cleaned: dirty };
}

const EMPTY_TABLES = {
  users: '[]',
  products: '[]',
  order_counters: '[]',
  orders: '[]',
  order_lines: '[]',
  notifications: '[]',
  outbox: '[]',
};
