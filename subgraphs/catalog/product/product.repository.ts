/**
 * Product persistence. The only catalog code that touches the database; every query runs on the
 * repository's tenant scope (row-level security on that tenant) and also filters on its tenant, so
 * another tenant's product is simply not found.
 */
import type { Prisma } from '../../../lib/db/prisma-client';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { TenantScope } from '../../../lib/db/tenant-scope';
import type { ProductModel } from '../../../generated/prisma/models';
import { fetchSize, keysetOrderBy, keysetWhere, type PageRequest } from '../../shared/pagination';

/** A product row; `priceAmount` in minor units of `priceCurrency`. */
export type ProductRow = ProductModel;

/** Filters of the products list; they combine (AND). */
export interface ProductListFilter {
  /** Name or SKU contains this, case-insensitively (`ILIKE`, trigram indexes). */
  search?: string;
  /** Fewer units in stock than this (index `(tenant_id, stock, id)`). */
  stockBelow?: number;
}

/** Fields the products list can be ordered by. */
export type ProductSortField = 'createdAt' | 'name' | 'stock';

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
  constructor(private readonly scope: TenantScope) {}

  /** The tenant's products with the given ids, in no particular order (one query). Callers pass only UUIDs. */
  findByIds(ids: readonly string[]): Promise<ProductRow[]> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.product.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** The `where` of the tenant's products matching `filter`. */
  private listWhere(filter: ProductListFilter): Prisma.ProductWhereInput {
    const where: Prisma.ProductWhereInput = { tenantId: this.scope.tenantId };
    if (filter.search) {
      where.OR = [{ name: { contains: filter.search, mode: 'insensitive' } }, { sku: { contains: filter.search, mode: 'insensitive' } }];
    }
    if (filter.stockBelow !== undefined) where.stock = { lt: filter.stockBelow };
    return where;
  }

  /** One page of the tenant's products matching `filter` (`take + 1` rows in read order; one query). */
  findPage(page: PageRequest<ProductSortField>, filter: ProductListFilter): Promise<ProductRow[]> {
    const where: Prisma.ProductWhereInput = { AND: [this.listWhere(filter), keysetWhere(page)] };
    return this.scope.run((db) => db.product.findMany({ where, orderBy: keysetOrderBy(page), take: fetchSize(page) }));
  }

  /** Number of the tenant's products matching `filter` (one query). */
  count(filter: ProductListFilter): Promise<number> {
    return this.scope.run((db) => db.product.count({ where: this.listWhere(filter) }));
  }

  /** Inserts product `id`; returns undefined when the tenant has a product with that SKU already. */
  async create(id: string, data: NewProduct): Promise<ProductRow | undefined> {
    const tenantId = this.scope.tenantId;
    try {
      return await this.scope.run((db) => db.product.create({ data: { id, tenantId, ...data } }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /** Updates the tenant's product `id` and reads it back, atomically; undefined when the tenant has none with `id`. */
  update(id: string, data: Partial<NewProduct>): Promise<ProductRow | undefined> {
    const tenantId = this.scope.tenantId;
    return this.scope.transaction((uow) =>
      uow.run(async (db) => {
        const { count } = await db.product.updateMany({ where: { tenantId, id }, data });
        if (count === 0) return undefined;
        return (await db.product.findFirst({ where: { tenantId, id } })) ?? undefined;
      }),
    );
  }
}
