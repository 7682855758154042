/**
 * User persistence. The only tenant-subgraph code that reads the `users` table; every query filters
 * on the caller's tenant, so another tenant's user is simply not found.
 */
import type { PrismaClient } from '../../../lib/db/prisma-client';
import type { UserModel } from '../../../generated/prisma/models';

/** A user row: `id`, `tenantId`, `email`, `name`, `scopes`, `createdAt`. */
export type UserRow = UserModel;

/** See module doc. */
export class UserRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Users of `tenantId` with the given ids, in no particular order (one query). Callers pass only UUIDs. */
  findByIds(tenantId: string, ids: readonly string[]): Promise<UserRow[]> {
    return this.prisma.user.findMany({ where: { tenantId, id: { in: [...ids] } } });
  }
}
