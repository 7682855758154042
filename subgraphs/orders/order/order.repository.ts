/**
 * Order persistence. The only orders code that touches the database; every query runs through
 * {@link withTenant} (row-level security on the caller's tenant, also for `order_lines`,
 * `order_counters`, `products` and `outbox` inside the write transactions) and also filters on the
 * tenant, so another tenant's order (or product) is simply not found. Money is always in
 * integer minor units (cents) of a three-letter ISO 4217 currency.
 *
 * The two write units of work (placing an order, moving it along its lifecycle) each run in one
 * interactive transaction here; the business decisions inside them (which error to raise, which
 * transition is allowed) are callbacks supplied by the service, which throw to roll back.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../../lib/db/prisma-client';
import { withTenant, type TenantDb } from '../../../lib/db/tenant-scope';
import type { OrderModel, OrderLineModel } from '../../../generated/prisma/models';
import type { OrderStatus } from '../../../generated/prisma/enums';
import { writeOutboxEvent } from '../../shared/outbox.repository';
import { afterCursorWhere, type CursorPosition } from '../../shared/pagination';

/** An order row; `totalAmount` in minor units of `currency`. */
export type OrderRow = OrderModel;

/** An order line row; `unitPriceAmount` in minor units of `unitPriceCurrency`. */
export type OrderLineRow = OrderLineModel;

/** A requested line: `quantity` units of the tenant's product `productId`. */
export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** A requested line after its stock was taken, priced from the catalog row (minor units). */
export interface PricedLine extends RequestedLine {
  /** 0-based position in the order, as in the input. */
  position: number;
  unitPriceAmount: number;
  unitPriceCurrency: string;
}

/** Why a line's stock could not be taken: the product is missing, or has only `available` units. */
export interface StockShortage {
  productId: string;
  requested: number;
  /** Null when the tenant has no such product. */
  product: { sku: string; name: string; available: number } | null;
}

/** The unit of work of {@link OrderRepository.placeOrder}. */
export interface PlaceOrderPlan {
  tenantId: string;
  placedById: string;
  /** Trimmed key, or null. */
  idempotencyKey: string | null;
  /** Lines in input order (position = index); product ids distinct. */
  lines: RequestedLine[];
  /** Called inside the transaction when a line's stock cannot be taken; must throw (rolls back). */
  onShortage(shortage: StockShortage): never;
  /**
   * Called inside the transaction with every line priced; returns the order's currency and total
   * (minor units), or throws (rolls back).
   */
  total(lines: PricedLine[]): { currency: string; totalAmount: number };
  /** Formats the tenant's next order sequence number (1, 2, ...) as an order number. */
  formatNumber(sequence: number): string;
}

/** The locked state of an order handed to the transition callback of {@link OrderRepository.changeStatus}. */
export interface LockedOrder {
  id: string;
  number: string;
  status: OrderStatus;
}

/** What the service decided for a transition: the new status and whether to return the stock. */
export interface StatusDecision {
  status: OrderStatus;
  restock: boolean;
}

/** Transaction options: generous waits so bursts of concurrent orders queue instead of failing. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/** See module doc. */
export class OrderRepository {
  constructor(private readonly db: TenantDb) {}

  /** Orders of `tenantId` with the given ids, in no particular order (one query). */
  findByIds(tenantId: string, ids: readonly string[]): Promise<OrderRow[]> {
    return withTenant(this.db, tenantId, (tx) => tx.order.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** Lines of the tenant's orders `orderIds`, ordered by order then position (one query). */
  findLinesByOrderIds(tenantId: string, orderIds: readonly string[]): Promise<OrderLineRow[]> {
    return withTenant(this.db, tenantId, (tx) =>
      tx.orderLine.findMany({
        where: { tenantId, orderId: { in: [...orderIds] } },
        orderBy: [{ orderId: 'asc' }, { position: 'asc' }],
      }),
    );
  }

  /** One page (`take + 1` rows) of the tenant's orders, newest first, optionally in one status. */
  findPage(tenantId: string, take: number, after: CursorPosition | undefined, status: OrderStatus | undefined): Promise<OrderRow[]> {
    const where: Prisma.OrderWhereInput = { tenantId, ...afterCursorWhere(after) };
    if (status) where.status = status;
    return withTenant(this.db, tenantId, (tx) =>
      tx.order.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: take + 1 }),
    );
  }

  /** The tenant's order placed with `idempotencyKey`, or null. */
  findByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<OrderRow | null> {
    return withTenant(this.db, tenantId, (tx) => tx.order.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } } }));
  }

  /** Which of `productIds` the tenant has (one query). */
  async existingProductIds(tenantId: string, productIds: readonly string[]): Promise<Set<string>> {
    const rows = await withTenant(this.db, tenantId, (tx) =>
      tx.product.findMany({ where: { tenantId, id: { in: [...productIds] } }, select: { id: true } }),
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Places an order in one transaction: takes the stock of every line (in product id order, so
   * concurrent orders lock products in the same order and cannot deadlock) with a conditional
   * `UPDATE ... WHERE stock >= q`, which never oversells; numbers the order from the tenant's
   * counter; inserts the order, its lines and an `order.placed` outbox event. Any throw (from a
   * callback or the database) rolls everything back, stock included.
   * @returns the inserted order.
   * @throws whatever the plan's callbacks throw; database errors, including a unique violation when
   *   a concurrent request committed an order with the same idempotency key (see `isUniqueViolation`, lib/db/errors.ts).
   */
  async placeOrder(plan: PlaceOrderPlan): Promise<OrderRow> {
    const { tenantId } = plan;
    return withTenant(
      this.db,
      tenantId,
      async (tx) => {
        const priced: PricedLine[] = plan.lines.map((l, position) => ({ ...l, position, unitPriceAmount: 0, unitPriceCurrency: '' }));
        const byProduct = [...priced].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
        for (const line of byProduct) {
          const rows = await tx.$queryRaw<{ price_amount: number; price_currency: string }[]>`
          UPDATE products SET stock = stock - ${line.quantity}, updated_at = now()
          WHERE tenant_id = ${tenantId}::uuid AND id = ${line.productId}::uuid AND stock >= ${line.quantity}
          RETURNING price_amount, price_currency`;
          const row = rows[0];
          if (!row) {
            const product = await tx.product.findFirst({
              where: { tenantId, id: line.productId },
              select: { sku: true, name: true, stock: true },
            });
            plan.onShortage({
              productId: line.productId,
              requested: line.quantity,
              product: product ? { sku: product.sku, name: product.name, available: product.stock } : null,
            });
          }
          line.unitPriceAmount = Number(row.price_amount);
          line.unitPriceCurrency = row.price_currency.trim();
        }
        const { currency, totalAmount } = plan.total(priced);
        const counter = await tx.$queryRaw<{ last_number: number }[]>`
        INSERT INTO order_counters (tenant_id, last_number) VALUES (${tenantId}::uuid, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET last_number = order_counters.last_number + 1
        RETURNING last_number`;
        const number = plan.formatNumber(Number(counter[0]!.last_number));
        const order = await tx.order.create({
          data: {
            id: randomUUID(),
            tenantId,
            number,
            status: 'PENDING',
            placedById: plan.placedById,
            totalAmount,
            currency,
            idempotencyKey: plan.idempotencyKey,
          },
        });
        await tx.orderLine.createMany({
          data: priced.map((l) => ({
            id: randomUUID(),
            tenantId,
            orderId: order.id,
            position: l.position,
            productId: l.productId,
            quantity: l.quantity,
            unitPriceAmount: l.unitPriceAmount,
            unitPriceCurrency: l.unitPriceCurrency,
          })),
        });
        await writeOutboxEvent(tx, {
          tenantId,
          topic: 'orders',
          type: 'order.placed',
          subjectId: order.id,
          data: { number, status: 'PENDING' },
        });
        return order;
      },
      { ...TX_OPTIONS, transaction: true },
    );
  }

  /**
   * Moves the tenant's order `id` to another status in one transaction: locks the row
   * (`SELECT ... FOR UPDATE`, so concurrent transitions of one order run one after the other), asks
   * `decide` for the new status (it throws to refuse, rolling back), updates it, returns the lines'
   * quantities to stock when `restock` is set, and writes an `order.status_changed` outbox event
   * (`data`: number, status, previousStatus).
   * @returns the updated order, or undefined when the tenant has no order `id`.
   */
  async changeStatus(tenantId: string, id: string, decide: (order: LockedOrder) => StatusDecision): Promise<OrderRow | undefined> {
    return withTenant(
      this.db,
      tenantId,
      async (tx) => {
        const locked = await tx.$queryRaw<{ id: string; number: string; status: string }[]>`
        SELECT id::text AS id, number, status::text AS status FROM orders
        WHERE tenant_id = ${tenantId}::uuid AND id = ${id}::uuid
        FOR UPDATE`;
        const current = locked[0];
        if (!current) return undefined;
        const previousStatus = current.status as OrderStatus;
        const decision = decide({ id: current.id, number: current.number, status: previousStatus });
        const order = await tx.order.update({
          where: { tenantId_id: { tenantId, id } },
          data: { status: decision.status, updatedAt: new Date() },
        });
        if (decision.restock) {
          await tx.$executeRaw`
          UPDATE products p SET stock = p.stock + l.quantity, updated_at = now()
          FROM (
            SELECT product_id, SUM(quantity)::int AS quantity FROM order_lines
            WHERE tenant_id = ${tenantId}::uuid AND order_id = ${id}::uuid
            GROUP BY product_id
          ) l
          WHERE p.tenant_id = ${tenantId}::uuid AND p.id = l.product_id`;
        }
        await writeOutboxEvent(tx, {
          tenantId,
          topic: 'orders',
          type: 'order.status_changed',
          subjectId: order.id,
          data: { number: order.number, status: order.status, previousStatus },
        });
        return order;
      },
      { ...TX_OPTIONS, transaction: true },
    );
  }
}
