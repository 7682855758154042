/**
 * The orders subgraph's reads of the tenant's users (the `users` table of the shared database): the
 * display names it provides on orders (`Order.placedBy @provides(fields: "name")`). Every query runs
 * on the repository's tenant scope and filters on its tenant, so another tenant's user is not found.
 */
import type { TenantScope } from '../../../lib/db/tenant-scope';

/** What orders provide of a user. */
export interface UserName {
  id: string;
  name: string;
}

/** See module doc. */
export class UserRepository {
  constructor(private readonly scope: TenantScope) {}

  /** The tenant's users among `ids`, with their names (one query). */
  findNames(ids: readonly string[]): Promise<UserName[]> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.user.findMany({ where: { tenantId, id: { in: [...ids] } }, select: { id: true, name: true } }));
  }
}
