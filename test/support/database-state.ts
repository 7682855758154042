/**
 * A fingerprint of every tenant-owned table, so a test can prove that a refused request changed
 * nothing: compare the fingerprint before and after.
 */
import { TENANT_TABLES as TENANT_OWNED_TABLES } from '../../lib/db/tenant-rows';

/** Runs SQL as the owner (sees every row); the test stack's `sql`. */
export type OwnerSql = <R extends Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

/** Tables whose rows belong to tenants: `tenants` and the tenant-owned tables of the move command. */
export const TENANT_TABLES: readonly string[] = ['tenants', ...TENANT_OWNED_TABLES.map((t) => t.name)];

/** md5 of every row of every tenant table (rows in text form, sorted), by table name. */
export async function tenantTablesChecksum(sql: OwnerSql): Promise<Record<string, string>> {
  const columns = TENANT_TABLES.map(
    (t) => `(SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM "${t}" r) AS "${t}"`,
  ).join(', ');
  const [row] = await sql<Record<string, string>>(`SELECT ${columns}`);
  return row!;
}
