/**
 * Order business rules: listing, lookups, placing orders (validation, idempotency, stock, pricing)
 * and the order lifecycle. The writes require `orders:write`, declared in schema/orders.graphql with
 * `@requiresScope` and enforced before the resolvers run (subgraphs/shared/requires-scope.ts). Money is in integer minor units
 * (cents) of an ISO 4217 currency.
 */
import { GraphQLError } from 'graphql';
import { badInput, domainError, notFound } from '../../../lib/errors';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { SubgraphContext } from '../../shared/context';
import { pageArgs, toConnection, type Connection } from '../../shared/pagination';
import { isUuid, requireInt, requireText } from '../../shared/validation';
import { orderById, orderLinesByOrderId } from './order.loaders';
import {
  OrderRepository,
  type LockedOrder,
  type OrderLineRow,
  type OrderRow,
  type PricedLine,
  type RequestedLine,
  type StatusDecision,
  type StockShortage,
} from './order.repository';

/** An order's lifecycle status. */
export type OrderStatusName = 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

/** Input of {@link placeOrder}: lines of `quantity` units of a product, and an optional idempotency key. */
export interface PlaceOrderInput {
  lines: { productId: string; quantity: number }[];
  idempotencyKey?: string | null;
}

/** Most lines in one order. */
export const MAX_ORDER_LINES = 50;
/** Most units of one product in one line. */
export const MAX_LINE_QUANTITY = 10_000;
/** Longest idempotency key, in characters (after trimming). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * Allowed transitions: PENDING -> CONFIRMED | CANCELLED; CONFIRMED -> SHIPPED | CANCELLED;
 * SHIPPED -> DELIVERED. DELIVERED and CANCELLED are final.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatusName, readonly OrderStatusName[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};

/** True when an order may move from `from` to `to` (never to the same status). */
export function canTransition(from: OrderStatusName, to: OrderStatusName): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** Formats the tenant's order sequence number: `ORD-` and six zero-padded digits, e.g. `ORD-000042`. */
export function formatOrderNumber(sequence: number): string {
  return `ORD-${String(sequence).padStart(6, '0')}`;
}

/** The tenant's order with `id`, or null (also for malformed ids and other tenants' orders). */
export async function getOrder(ctx: SubgraphContext, id: string): Promise<OrderRow | null> {
  if (!isUuid(id)) return null;
  return orderById(ctx).load(id);
}

/** The lines of `order`, by position (batched per request). */
export function getOrderLines(ctx: SubgraphContext, order: OrderRow): Promise<OrderLineRow[]> {
  return orderLinesByOrderId(ctx).load(order.id);
}

/**
 * A page of the tenant's orders, newest first, optionally only those in `status`.
 * @throws GraphQLError `BAD_USER_INPUT` for `first` outside 1..100 or a malformed cursor.
 */
export async function listOrders(
  ctx: SubgraphContext,
  first?: number | null,
  after?: string | null,
  status?: OrderStatusName | null,
): Promise<Connection<OrderRow>> {
  const page = pageArgs(first, after);
  const rows = await new OrderRepository(ctx.db).findPage(ctx.principal.tenantId, page.take, page.after, status ?? undefined);
  return toConnection(rows, page.take);
}

/**
 * Validates the input of {@link placeOrder} before anything is written; returns the lines and the
 * trimmed key. Duplicate product ids are rejected (not merged), so a line always maps to one input line.
 * @throws GraphQLError `BAD_USER_INPUT` (with `field`, e.g. `input.lines[0].quantity`) for 0 or more
 *   than 50 lines, a quantity outside 1..10000, a repeated product or a key outside 1..200 characters;
 *   `NOT_FOUND` for a product id that is not a UUID.
 */
export function validatePlaceOrder(input: PlaceOrderInput): { lines: RequestedLine[]; idempotencyKey: string | null } {
  if (input.lines.length < 1 || input.lines.length > MAX_ORDER_LINES) {
    throw badInput('input.lines', `must have between 1 and ${MAX_ORDER_LINES} lines.`);
  }
  const seen = new Map<string, number>();
  const lines = input.lines.map((line, i) => {
    const quantity = requireInt(`input.lines[${i}].quantity`, line.quantity, 1, MAX_LINE_QUANTITY);
    if (!isUuid(line.productId)) throw notFound('Product', line.productId);
    const productId = line.productId.toLowerCase();
    const first = seen.get(productId);
    if (first !== undefined)
      throw badInput(`input.lines[${i}].productId`, `repeats the product of input.lines[${first}]; use one line per product.`);
    seen.set(productId, i);
    return { productId, quantity };
  });
  const idempotencyKey =
    input.idempotencyKey == null ? null : requireText('input.idempotencyKey', input.idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH);
  return { lines, idempotencyKey };
}

/** Raises the error for a line whose stock could not be taken (inside the transaction: rolls back). */
function stockShortage(shortage: StockShortage): never {
  if (!shortage.product) throw notFound('Product', shortage.productId);
  const { sku, name, available } = shortage.product;
  throw domainError('INSUFFICIENT_STOCK', `Only ${available} of ${name} (${sku}) in stock.`, { productId: shortage.productId, available });
}

/** Checks every line has the same currency and sums the lines (minor units). */
function orderTotal(lines: PricedLine[]): { currency: string; totalAmount: number } {
  const currency = lines[0]!.unitPriceCurrency;
  let totalAmount = 0;
  for (const line of lines) {
    if (line.unitPriceCurrency !== currency) throw badInput('input.lines', 'all products of an order must be priced in the same currency.');
    totalAmount += line.quantity * line.unitPriceAmount;
  }
  if (!Number.isSafeInteger(totalAmount) || totalAmount > 2_147_483_647) throw badInput('input.lines', 'the order total is too large.');
  return { currency, totalAmount };
}

/**
 * Places an order for the caller at the catalog's current prices and takes the stock, atomically:
 * either every line's stock is taken and the order, its lines and an `order.placed` event are
 * committed, or nothing is. With an `idempotencyKey` the tenant already used, returns that order and
 * writes nothing (also when a concurrent request with the same key wins the race).
 * Callers hold `orders:write` (`@requiresScope` on `Mutation.placeOrder`).
 * @throws GraphQLError `BAD_USER_INPUT` for invalid input
 *   (see {@link validatePlaceOrder}) or products priced in different currencies; `NOT_FOUND`
 *   ("Product <id> was not found.") for an unknown or other tenant's product; `INSUFFICIENT_STOCK`
 *   (`extensions.productId`, `extensions.available`) when a product has fewer units than requested.
 */
export async function placeOrder(ctx: SubgraphContext, input: PlaceOrderInput): Promise<OrderRow> {
  const { lines, idempotencyKey } = validatePlaceOrder(input);
  const tenantId = ctx.principal.tenantId;
  const repository = new OrderRepository(ctx.db);
  if (idempotencyKey) {
    const existing = await repository.findByIdempotencyKey(tenantId, idempotencyKey);
    if (existing) return existing;
  }
  const known = await repository.existingProductIds(
    tenantId,
    lines.map((l) => l.productId),
  );
  const missing = lines.find((l) => !known.has(l.productId));
  if (missing) throw notFound('Product', missing.productId);
  let order: OrderRow;
  try {
    order = await repository.placeOrder({
      tenantId,
      placedById: ctx.principal.userId,
      idempotencyKey,
      lines,
      onShortage: stockShortage,
      total: orderTotal,
      formatNumber: formatOrderNumber,
    });
  } catch (err) {
    // A concurrent request with the same key committed first: our transaction rolled back (no stock
    // taken twice), so answer with the winner's order, read outside the failed transaction. The
    // insert then fails with a unique violation; or, when the winner took the last units first, our
    // stock update finds too few, so any failure is re-checked against the key.
    if (idempotencyKey && (isUniqueViolation(err) || err instanceof GraphQLError)) {
      const existing = await repository.findByIdempotencyKey(tenantId, idempotencyKey);
      if (existing) return existing;
    }
    throw err;
  }
  ctx.events.outboxWritten();
  ctx.logger.info({ orderId: order.id, number: order.number }, 'order placed');
  return order;
}

/**
 * Moves the tenant's order `id` to `status` along the lifecycle ({@link ORDER_TRANSITIONS}); a
 * cancelled order's quantities go back to stock. Writes an `order.status_changed` event.
 * Callers hold `orders:write` (`@requiresScope` on `Mutation.updateOrderStatus`).
 * @throws GraphQLError `NOT_FOUND` for an unknown, malformed or
 *   other tenant's id; `BAD_USER_INPUT` (`field: 'status'`) for a transition the lifecycle does not
 *   allow, including to the same status.
 */
export async function updateOrderStatus(ctx: SubgraphContext, id: string, status: OrderStatusName): Promise<OrderRow> {
  if (!isUuid(id)) throw notFound('Order', id);
  const decide = (order: LockedOrder): StatusDecision => {
    if (!canTransition(order.status, status)) {
      throw domainError('BAD_USER_INPUT', `Cannot move order ${order.number} from ${order.status} to ${status}.`, { field: 'status' });
    }
    return { status, restock: status === 'CANCELLED' };
  };
  const updated = await new OrderRepository(ctx.db).changeStatus(ctx.principal.tenantId, id, decide);
  if (!updated) throw notFound('Order', id);
  ctx.events.outboxWritten();
  return updated;
}
