/**
 * User persistence. The only tenant-subgraph code that reads the `users` table; every query runs on
 * the repository's tenant scope (row-level security on that tenant) and also filters on its tenant,
 * so another tenant's user is simply not found.
 */
import type { Prisma } from '../../../lib/db/prisma-client';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { TenantScope } from '../../../lib/db/tenant-scope';
import type { UserModel } from '../../../generated/prisma/models';
import { fetchSize, keysetOrderBy, keysetWhere, type PageRequest } from '../../shared/pagination';

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
  constructor(private readonly scope: TenantScope) {}

  /** The tenant's users with the given ids, in no particular order (one query). Callers pass only UUIDs. */
  findByIds(ids: readonly string[]): Promise<UserRow[]> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.user.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** One page of the tenant's users, newest first (`take + 1` rows in read order; one query). */
  findPage(page: PageRequest<'createdAt'>): Promise<UserRow[]> {
    const where: Prisma.UserWhereInput = { tenantId: this.scope.tenantId, ...keysetWhere(page) };
    return this.scope.run((db) => db.user.findMany({ where, orderBy: keysetOrderBy(page), take: fetchSize(page) }));
  }

  /** Number of the tenant's users (one query). */
  count(): Promise<number> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.user.count({ where: { tenantId } }));
  }

  /** Inserts user `id`; returns undefined when the tenant has a user with that email already. */
  async create(id: string, data: NewUser): Promise<UserRow | undefined> {
    const tenantId = this.scope.tenantId;
    try {
      return await this.scope.run((db) => db.user.create({ data: { id, tenantId, ...data } }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /** Replaces the scopes of the tenant's user `id` and reads it back, atomically; undefined when the tenant has no such user. */
  updateScopes(id: string, scopes: string[]): Promise<UserRow | undefined> {
    const tenantId = this.scope.tenantId;
    return this.scope.transaction((uow) =>
      uow.run(async (db) => {
        const { count } = await db.user.updateMany({ where: { tenantId, id }, data: { scopes } });
        if (count === 0) return undefined;
        return (await db.user.findFirst({ where: { tenantId, id } })) ?? undefined;
      }),
    );
  }
}
