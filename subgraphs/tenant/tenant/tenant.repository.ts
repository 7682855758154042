/**
 * Tenant persistence. The only tenant-subgraph code that reads the `tenants` table; every query runs
 * through {@link withTenant} (row-level security) and is restricted to the caller's own tenant, so
 * another tenant's row is simply not found. Creating a tenant is the one platform-level write
 * ({@link withPlatformAdmin}).
 */
import { withPlatformAdmin, withTenant, type TenantDb } from '../../../lib/db/tenant-scope';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { TenantModel } from '../../../generated/prisma/models';

/** A tenant row: `id`, `slug`, `name`, `createdAt`. */
export type TenantRow = TenantModel;

/** See module doc. */
export class TenantRepository {
  constructor(private readonly db: TenantDb) {}

  /**
   * The rows among `ids` that are the caller's tenant `tenantId` (so at most one row), in one query.
   * Callers pass only UUIDs.
   */
  findByIds(tenantId: string, ids: readonly string[]): Promise<TenantRow[]> {
    return withTenant(this.db, tenantId, (tx) => tx.tenant.findMany({ where: { AND: [{ id: tenantId }, { id: { in: [...ids] } }] } }));
  }

  /**
   * Inserts tenant `id` (platform path, see {@link withPlatformAdmin}); returns undefined when the
   * slug is taken (unique violation, checked by PostgreSQL across all tenants).
   */
  async create(id: string, slug: string, name: string): Promise<TenantRow | undefined> {
    try {
      return await withPlatformAdmin(this.db, id, (tx) => tx.tenant.create({ data: { id, slug, name } }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }
}
