/**
 * User persistence. The only tenant-subgraph code that reads the `users` table; every query runs
 * through {@link withTenant} (row-level security on the caller's tenant) and also filters on the
 * tenant, so another tenant's user is simply not found.
 */
import type { Prisma } from '../../../lib/db/prisma-client';
import { withTenant, type TenantDb } from '../../../lib/db/tenant-scope';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { UserModel } from '../../../generated/prisma/models';
import { afterCursorWhere, type CursorPosition } from '../../shared/pagination';

/** A user row: `id`, `tenantId`, `email`, `name`, `scopes`, `createdAt`. */
export type UserRow = UserModel;

/** Fields of a new user (email already normalised to lower case). */
export interface NewUser {
  email: string;
  name: string;
  scopes: string[];
}

/** See module doc. */
export class UserRepository {
  constructor(private readonly db: TenantDb) {}

  /** Users of `tenantId` with the given ids, in no particular order (one query). Callers pass only UUIDs. */
  findByIds(tenantId: string, ids: readonly string[]): Promise<UserRow[]> {
    return withTenant(this.db, tenantId, (tx) => tx.user.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** One page (`take + 1` rows) of the tenant's users, newest first. */
  findPage(tenantId: string, take: number, after: CursorPosition | undefined): Promise<UserRow[]> {
    const where: Prisma.UserWhereInput = { tenantId, ...afterCursorWhere(after) };
    return withTenant(this.db, tenantId, (tx) =>
      tx.user.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: take + 1 }),
    );
  }

  /** Inserts a user of `tenantId`; returns undefined when the tenant has a user with that email already. */
  async create(tenantId: string, id: string, data: NewUser): Promise<UserRow | undefined> {
    try {
      return await withTenant(this.db, tenantId, (tx) => tx.user.create({ data: { id, tenantId, ...data } }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /** Replaces the scopes of the tenant's user `id`; returns undefined when the tenant has no such user. */
  updateScopes(tenantId: string, id: string, scopes: string[]): Promise<UserRow | undefined> {
    return withTenant(
      this.db,
      tenantId,
      async (tx) => {
        const { count } = await tx.user.updateMany({ where: { tenantId, id }, data: { scopes } });
        if (count === 0) return undefined;
        return (await tx.user.findFirst({ where: { tenantId, id } })) ?? undefined;
      },
      { transaction: true },
    );
  }
}
