/**
 * Tenant persistence. The only tenant-subgraph code that reads the `tenants` table; every query runs
 * on the repository's tenant scope (row-level security) and is restricted to that tenant, so another
 * tenant's row is simply not found. Creating a tenant is the one platform-level write
 * ({@link PlatformAccess.forNewTenant}).
 */
import { isUniqueViolation } from '../../../lib/db/errors';
import type { PlatformAccess } from '../../../lib/db/tenant-database';
import type { TenantScope } from '../../../lib/db/tenant-scope';
import type { PlanModel, TenantModel } from '../../../generated/prisma/models';

/** A tenant row: `id`, `slug`, `name`, `plan` (its plan's name), `createdAt`. */
export type TenantRow = TenantModel;

/** A plan row: `name`, `requestsPerMinute`, `costPerMinute`. */
export type PlanRow = PlanModel;

/** See module doc. */
export class TenantRepository {
  constructor(
    private readonly scope: TenantScope,
    private readonly platform: PlatformAccess,
  ) {}

  /** The rows among `ids` that are the scope's own tenant (so at most one row), in one query. Callers pass only UUIDs. */
  findByIds(ids: readonly string[]): Promise<TenantRow[]> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.tenant.findMany({ where: { AND: [{ id: tenantId }, { id: { in: [...ids] } }] } }));
  }

  /** The plan named `name` (plans are reference data, the same for every tenant), or null. */
  async findPlan(name: string): Promise<PlanRow | null> {
    return this.scope.run((db) => db.plan.findUnique({ where: { name } }));
  }

  /** Keys of the dedicated databases a tenant may be placed in. */
  databaseKeys(): readonly string[] {
    return this.platform.databaseKeys;
  }

  /**
   * Inserts tenant `id` on the platform path: its directory row in the shared database (with its
   * placement `database`, null = shared), then, for a dedicated database, the tenant's own row
   * there. Returns undefined when the slug is taken (unique violation, checked by PostgreSQL across
   * all tenants of the directory); nothing is written then.
   * @throws the dedicated database's error when its row cannot be written (the directory row stays;
   *   `npm run tenant:move -- <slug> <database>` writes the missing row).
   */
  async create(id: string, slug: string, name: string, database: string | null = null): Promise<TenantRow | undefined> {
    let row: TenantRow;
    try {
      row = await this.platform.forNewTenant(id).run((db) => db.tenant.create({ data: { id, slug, name, database } }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
    if (database) await this.platform.forNewTenant(id, database).run((db) => db.tenant.create({ data: { id, slug, name, database } }));
    return row;
  }
}
