/**
 * The orders subgraph's writes to product stock (the `products` table of the shared database):
 * taking stock for an order line and returning a cancelled order's quantities. Every statement runs
 * on the repository's tenant scope and filters on its tenant. Meant for a unit of work's repository.
 */
import type { TenantScope } from '../../../lib/db/tenant-scope';

/** A product's catalog price at the time its stock was taken (minor units). */
export interface TakenStock {
  unitPriceAmount: number;
  unitPriceCurrency: string;
}

/** What an order needs to know of a product when its stock could not be taken. */
export interface ProductStock {
  id: string;
  sku: string;
  name: string;
  stock: number;
}

/** See module doc. */
export class StockRepository {
  constructor(private readonly scope: TenantScope) {}

  /**
   * Takes `quantity` units of the tenant's product `productId` with a conditional
   * `UPDATE ... WHERE stock >= quantity`, which never oversells however many orders run at once;
   * returns its current price, or undefined when the product is missing or has too few units
   * (nothing changed then).
   */
  async take(productId: string, quantity: number): Promise<TakenStock | undefined> {
    const tenantId = this.scope.tenantId;
    const rows = await this.scope.run(
      (db) => db.$queryRaw<{ price_amount: number; price_currency: string }[]>`
        UPDATE products SET stock = stock - ${quantity}, updated_at = now()
        WHERE tenant_id = ${tenantId}::uuid AND id = ${productId}::uuid AND stock >= ${quantity}
        RETURNING price_amount, price_currency`,
    );
    const row = rows[0];
    return row ? { unitPriceAmount: Number(row.price_amount), unitPriceCurrency: row.price_currency.trim() } : undefined;
  }

  /** The tenant's products among `ids`, with their stock (one query). */
  findProducts(ids: readonly string[]): Promise<ProductStock[]> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) =>
      db.product.findMany({ where: { tenantId, id: { in: [...ids] } }, select: { id: true, sku: true, name: true, stock: true } }),
    );
  }

  /** Returns the quantities of the tenant's order `orderId` to stock (one statement over all its lines). */
  async restock(orderId: string): Promise<void> {
    const tenantId = this.scope.tenantId;
    await this.scope.run(
      (db) => db.$executeRaw`
        UPDATE products p SET stock = p.stock + l.quantity, updated_at = now()
        FROM (
          SELECT product_id, SUM(quantity)::int AS quantity FROM order_lines
          WHERE tenant_id = ${tenantId}::uuid AND order_id = ${orderId}::uuid
          GROUP BY product_id
        ) l
        WHERE p.tenant_id = ${tenantId}::uuid AND p.id = l.product_id`,
    );
  }
}
