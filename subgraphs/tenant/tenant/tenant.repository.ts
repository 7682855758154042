/**
 * Tenant persistence. The only tenant-subgraph code that reads the `tenants` table; every query is
 * restricted to the caller's own tenant, so another tenant's row is simply not found.
 */
import type { PrismaClient } from '../../../lib/db/prisma-client';
import type { TenantModel } from '../../../generated/prisma/models';

/** A tenant row: `id`, `slug`, `name`, `createdAt`. */
export type TenantRow = TenantModel;

/** See module doc. */
export class TenantRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The rows among `ids` that are the caller's tenant `tenantId` (so at most one row), in one query.
   * Callers pass only UUIDs.
   */
  findByIds(tenantId: string, ids: readonly string[]): Promise<TenantRow[]> {
    return this.prisma.tenant.findMany({ where: { AND: [{ id: tenantId }, { id: { in: [...ids] } }] } });
  }
}
