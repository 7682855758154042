/**
 * Order rules with no I/O: input validation for `placeOrder`, the lifecycle, order numbers, totals
 * and the idempotency-key payload check. Money is in integer minor units (cents) of an ISO 4217 currency.
 */
import type { GraphQLError } from 'graphql';
import { badInput, domainError, notFound } from '../../../lib/errors';
import { isUuid, requireInt, requireText } from '../../shared/validation';

/** An order's lifecycle status. */
export type OrderStatusName = 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

/** Input of `placeOrder`: lines of `quantity` units of a product, and an optional idempotency key. */
export interface PlaceOrderInput {
  lines: { productId: string; quantity: number }[];
  idempotencyKey?: string | null;
}

/** A requested line: `quantity` units of the tenant's product `productId` (a lower-case UUID). */
export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** A validated `placeOrder` request: lines in input order (product ids distinct) and the trimmed key. */
export interface OrderRequest {
  lines: RequestedLine[];
  idempotencyKey: string | null;
}

/** A line after its stock was taken, priced from the catalog (minor units). */
export interface PricedLine extends RequestedLine {
  /** 0-based position in the order, as in the input. */
  position: number;
  unitPriceAmount: number;
  unitPriceCurrency: string;
}

/** Most lines in one order. */
export const MAX_ORDER_LINES = 50;
/** Most units of one product in one line. */
export const MAX_LINE_QUANTITY = 10_000;
/** Longest idempotency key, in characters (after trimming). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Largest order total, minor units (the `orders.total_amount` column is a 32-bit integer). */
export const MAX_ORDER_TOTAL = 2_147_483_647;

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

/**
 * Checks a transition of order `number`.
 * @throws GraphQLError `BAD_USER_INPUT` (`field: 'status'`) when the lifecycle does not allow it, including to the same status.
 */
export function requireTransition(number: string, from: OrderStatusName, to: OrderStatusName): void {
  if (!canTransition(from, to))
    throw domainError('BAD_USER_INPUT', `Cannot move order ${number} from ${from} to ${to}.`, { field: 'status' });
}

/** Formats the tenant's order sequence number: `ORD-` and six zero-padded digits, e.g. `ORD-000042`. */
export function formatOrderNumber(sequence: number): string {
  return `ORD-${String(sequence).padStart(6, '0')}`;
}

/**
 * Validates the input of `placeOrder` before anything is written. Duplicate product ids are
 * rejected (not merged), so a line always maps to one input line.
 * @throws GraphQLError `BAD_USER_INPUT` (with `field`, e.g. `input.lines[0].quantity`) for 0 or more
 *   than 50 lines, a quantity outside 1..10000, a repeated product or a key outside 1..200 characters;
 *   `NOT_FOUND` for a product id that is not a UUID (no such product can exist).
 */
export function validatePlaceOrder(input: PlaceOrderInput): OrderRequest {
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

/**
 * The order's currency and total (minor units) from its priced lines.
 * @throws GraphQLError `BAD_USER_INPUT` (`field: 'input.lines'`) when the products are priced in
 *   different currencies or the total exceeds {@link MAX_ORDER_TOTAL}.
 */
export function orderTotal(lines: readonly PricedLine[]): { currency: string; totalAmount: number } {
  const currency = lines[0]!.unitPriceCurrency;
  let totalAmount = 0;
  for (const line of lines) {
    if (line.unitPriceCurrency !== currency) throw badInput('input.lines', 'all products of an order must be priced in the same currency.');
    totalAmount += line.quantity * line.unitPriceAmount;
  }
  if (!Number.isSafeInteger(totalAmount) || totalAmount > MAX_ORDER_TOTAL) throw badInput('input.lines', 'the order total is too large.');
  return { currency, totalAmount };
}

/**
 * True when an order placed with an idempotency key had exactly the requested lines (same products
 * and quantities, in the same positions): a retry of the same request.
 */
export function sameOrderPayload(placed: readonly { productId: string; quantity: number }[], requested: readonly RequestedLine[]): boolean {
  return (
    placed.length === requested.length &&
    placed.every((line, i) => line.productId.toLowerCase() === requested[i]!.productId && line.quantity === requested[i]!.quantity)
  );
}

/**
 * The error for an idempotency key reused with a different payload: the key names one request, as
 * in payment APIs (Stripe, the IETF `Idempotency-Key` draft), so a different order is refused, not
 * answered with the first one.
 */
export function idempotencyKeyReused(): GraphQLError {
  return domainError('BAD_USER_INPUT', 'input.idempotencyKey: this key was used for a different order; use a new key for a new order.', {
    field: 'input.idempotencyKey',
    reason: 'IDEMPOTENCY_KEY_REUSED',
  });
}

/** Filters of the orders list, validated (see {@link orderFilter}). */
export interface OrderFilter {
  statuses?: OrderStatusName[];
  createdAfter?: Date;
  createdBefore?: Date;
}

/**
 * The orders list's filters from its arguments: `status` and `statuses` intersect (both given and
 * disjoint: no status, so nothing matches), and the range `[createdAfter, createdBefore)`.
 * @throws GraphQLError `BAD_USER_INPUT` (`field: 'createdBefore'`) when the range is empty or reversed.
 */
export function orderFilter(
  status: OrderStatusName | null | undefined,
  statuses: readonly OrderStatusName[] | null | undefined,
  createdAfter: Date | undefined,
  createdBefore: Date | undefined,
): OrderFilter {
  let set: OrderStatusName[] | undefined = statuses ? [...new Set(statuses)] : undefined;
  if (status) set = set ? set.filter((s) => s === status) : [status];
  if (createdAfter && createdBefore && createdBefore <= createdAfter) throw badInput('createdBefore', 'must be after createdAfter.');
  return {
    ...(set ? { statuses: set } : {}),
    ...(createdAfter ? { createdAfter } : {}),
    ...(createdBefore ? { createdBefore } : {}),
  };
}
