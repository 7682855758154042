/**
 * One tenant's rows as a whole, in SQL, for the move command (lib/db/tenant-move.ts): read them in
 * one snapshot, write them into another database, checksum them, delete them. Every statement
 * filters on the tenant and runs where `app.tenant_id` is set to it (row-level security holds for
 * the owner role too, since every tenant table FORCEs it), on connections whose time zone is UTC
 * (so timestamps render alike in every database).
 */
import type { ClientBase } from 'pg';

/** A tenant-owned table and the column its rows are ordered by for checksums. */
interface TenantTable {
  name: string;
  orderBy: string;
}

/**
 * The tenant-owned tables besides `tenants`, parents first (the order rows are inserted in;
 * deletes go the other way). A new tenant-owned table must be added here (the move test's
 * checksums and `tenant_write_guard` trigger list name the same tables).
 */
export const TENANT_TABLES: readonly TenantTable[] = [
  { name: 'users', orderBy: 'id' },
  { name: 'products', orderBy: 'id' },
  { name: 'order_counters', orderBy: 'tenant_id' },
  { name: 'orders', orderBy: 'id' },
  { name: 'order_lines', orderBy: 'id' },
  { name: 'notifications', orderBy: 'id' },
  { name: 'outbox', orderBy: 'seq' },
];

/** Columns whose values belong to one database only: the outbox's sequence, the directory's placement. */
const LOCAL_COLUMNS: Record<string, string> = { outbox: 'seq', tenants: 'database' };

/** A tenant's rows, per table, as JSON array text (`tenants`: its one row, or `[]`). */
export type TenantSnapshot = Record<string, string>;

function rowJson(table: string): string {
  const local = LOCAL_COLUMNS[table];
  return local ? `(to_jsonb(t) - '${local}')` : 'to_jsonb(t)';
}

/** `app.tenant_id` for the rest of the transaction. */
export async function setTenant(client: ClientBase, tenantId: string): Promise<void> {
  await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
}

/** Reads every row of `tenantId` (call inside a REPEATABLE READ transaction for one snapshot). */
export async function readTenantRows(client: ClientBase, tenantId: string): Promise<TenantSnapshot> {
  const snapshot: TenantSnapshot = {};
  const read = async (table: string, where: string, orderBy: string) => {
    const { rows } = await client.query<{ rows: string }>(
      `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.${orderBy}), '[]'::jsonb)::text AS rows FROM "${table}" t WHERE t.${where} = $1`,
      [tenantId],
    );
    snapshot[table] = rows[0]!.rows;
  };
  await read('tenants', 'id', 'id');
  for (const t of TENANT_TABLES) await read(t.name, 'tenant_id', t.orderBy);
  return snapshot;
}

/** Row counts of `snapshot` per table. */
export function snapshotCounts(snapshot: TenantSnapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(snapshot).map(([table, json]) => [table, (JSON.parse(json) as unknown[]).length]));
}

/**
 * A checksum of every row of `tenantId` in the database of `client`: md5 over each table's rows as
 * JSON in a fixed order, without the database-local columns (the outbox's `seq`, the directory's
 * `database`). Equal checksums mean equal content.
 */
export async function tenantChecksum(client: ClientBase, tenantId: string): Promise<string> {
  const parts: string[] = [];
  const tables = [{ name: 'tenants', orderBy: 'id', where: 'id' }, ...TENANT_TABLES.map((t) => ({ ...t, where: 'tenant_id' }))];
  for (const t of tables) {
    const order = t.name === 'outbox' ? 't.id' : `t.${t.orderBy}`;
    const { rows } = await client.query<{ sum: string }>(
      `SELECT count(*) || ':' || coalesce(md5(string_agg(${rowJson(t.name)}::text, ',' ORDER BY ${order})), '') AS sum
       FROM "${t.name}" t WHERE t.${t.where} = $1`,
      [tenantId],
    );
    parts.push(`${t.name}=${rows[0]!.sum}`);
  }
  return parts.join(' ');
}

/**
 * Deletes every row of `tenantId` but its `tenants` row (children first); with `tenantRow`, that too.
 * Returns the rows deleted.
 */
export async function deleteTenantRows(client: ClientBase, tenantId: string, tenantRow: boolean): Promise<number> {
  let deleted = 0;
  for (const t of [...TENANT_TABLES].reverse()) {
    deleted += (await client.query(`DELETE FROM "${t.name}" WHERE tenant_id = $1`, [tenantId])).rowCount ?? 0;
  }
  if (tenantRow) deleted += (await client.query(`DELETE FROM tenants WHERE id = $1`, [tenantId])).rowCount ?? 0;
  return deleted;
}

/**
 * Writes `snapshot` into the database of `client` (which must hold none of the tenant's rows but
 * possibly its `tenants` row): the `tenants` row inserted or, when present, updated (its `database`
 * set to `placement`), then every table parent first; outbox rows get new `seq` values in their
 * original order, so the relay of this database publishes them in that order.
 */
export async function writeTenantRows(client: ClientBase, snapshot: TenantSnapshot, placement: string | null): Promise<void> {
  await client.query(
    `INSERT INTO tenants SELECT * FROM jsonb_populate_recordset(NULL::tenants, $1::jsonb)
     ON CONFLICT (id) DO UPDATE SET slug = EXCLUDED.slug, name = EXCLUDED.name, plan = EXCLUDED.plan, created_at = EXCLUDED.created_at`,
    [snapshot.tenants],
  );
  const tenant = (JSON.parse(snapshot.tenants!) as Array<{ id: string }>)[0];
  if (tenant) await client.query(`UPDATE tenants SET database = $2 WHERE id = $1`, [tenant.id, placement]);
  for (const t of TENANT_TABLES) {
    if (t.name === 'outbox') {
      const cols = 'id, tenant_id, topic, type, payload, created_at, published_at, attempts';
      await client.query(
        `INSERT INTO outbox (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::outbox, $1::jsonb) ORDER BY seq`,
        [snapshot.outbox],
      );
    } else {
      await client.query(`INSERT INTO "${t.name}" SELECT * FROM jsonb_populate_recordset(NULL::"${t.name}", $1::jsonb)`, [
        snapshot[t.name],
      ]);
    }
  }
}
