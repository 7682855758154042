/**
 * Product persistence. The only catalog code that touches the database; every query runs through
 * {@link withTenant} (row-level security on the caller's tenant) and also filters on the tenant, so
 * another tenant's product is simply not found.
 */
import type { Prisma } from '../../../lib/db/prisma-client';
import { withTenant, type TenantDb } from '../../../lib/db/tenant-scope';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { ProductModel } from '../../../generated/prisma/models';
import { afterCursorWhere, type CursorPosition } from '../../shared/pagination';

/** A product row. */
export type ProductRow = ProductModel;

/** Fields of a new product; money in minor units. */
export interface NewProduct {
  sku: string;
  name: string;
  description: string | null;
  priceAmount: number;
  priceCurrency: string;
  stock: number;
}

/** See module doc. */
export class ProductRepository {
  constructor(private readonly db: TenantDb) {}

  /** Products of `tenantId` with the given ids, in no particular order (one query). */
  findByIds(tenantId: string, ids: readonly string[]): Promise<ProductRow[]> {
    return withTenant(this.db, tenantId, (tx) => tx.product.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** One page (`take + 1` rows) of the tenant's products, newest first, optionally filtered. */
  findPage(tenantId: string, take: number, after: CursorPosition | undefined, search: string | undefined): Promise<ProductRow[]> {
    const where: Prisma.ProductWhereInput = { tenantId, ...afterCursorWhere(after) };
    if (search) {
      where.AND = [{ OR: [{ name: { contains: search, mode: 'insensitive' } }, { sku: { contains: search, mode: 'insensitive' } }] }];
    }
    return withTenant(this.db, tenantId, (tx) =>
      tx.product.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: take + 1 }),
    );
  }

  /** Inserts a product; returns undefined when the SKU is taken (unique violation). */
  async create(tenantId: string, id: string, data: NewProduct): Promise<ProductRow | undefined> {
    try {
      return await withTenant(this.db, tenantId, (tx) => tx.product.create({ data: { id, tenantId, ...data } }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /** Updates the tenant's product; returns undefined when it has none with `id`. */
  async update(tenantId: string, id: string, data: Partial<NewProduct>): Promise<ProductRow | undefined> {
    return withTenant(
      this.db,
      tenantId,
      async (tx) => {
        const { count } = await tx.product.updateMany({ where: { tenantId, id }, data });
        if (count === 0) return undefined;
        return (await tx.product.findFirst({ where: { tenantId, id } })) ?? undefined;
      },
      { transaction: true },
    );
  }
}
