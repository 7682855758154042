/**
 * Order business rules over the repositories: listing, lookups, placing orders and moving them
 * along their lifecycle. The service owns each unit of work: it opens the transaction and calls the
 * repositories' small steps in order, and the outbox event is part of the same transaction. The
 * writes require `orders:write`, declared in schema/orders.graphql with `@requiresScope` and
 * enforced before the resolvers run (subgraphs/shared/requires-scope.ts).
 */
import type { GraphQLError } from 'graphql';
import { badInput, domainError, notFound } from '../../../lib/errors';
import { isUniqueViolation } from '../../../lib/db/errors';
import type { UnitOfWork } from '../../../lib/db/tenant-scope';
import { NEWEST_FIRST, pageRequest, toConnection, type Connection, type KeysetOrder, type PageArgs } from '../../shared/pagination';
import { isUuid } from '../../shared/validation';
import type { OrdersContext, OrdersRepositories } from '../orders.context';
import type { StockRepository } from '../stock/stock.repository';
import { orderById, orderLinesByOrderId } from './order.loaders';
import type { OrderFiguresRow, OrderLineRow, OrderRow } from './order.repository';
import {
  formatOrderNumber,
  idempotencyKeyReused,
  MAX_ORDER_TOTAL,
  orderFilter,
  orderTotal,
  requireTransition,
  sameOrderPayload,
  validatePlaceOrder,
  type OrderRequest,
  type OrderStatusName,
  type PlaceOrderInput,
  type PricedLine,
  type RequestedLine,
} from './order.rules';

/** The tenant's order with `id`, or null (also for malformed ids and other tenants' orders). */
export async function getOrder(ctx: OrdersContext, id: string): Promise<OrderRow | null> {
  if (!isUuid(id)) return null;
  return orderById(ctx).load(id);
}

/** The lines of `order`, by position (batched per request). */
export function getOrderLines(ctx: OrdersContext, order: OrderRow): Promise<OrderLineRow[]> {
  return orderLinesByOrderId(ctx).load(order.id);
}

/** Arguments of the `orders` list (`Query.orders`); `createdAfter`/`createdBefore` as the DateTime scalar parsed them. */
export interface ListOrdersArgs extends PageArgs {
  status?: OrderStatusName | null;
  statuses?: readonly OrderStatusName[] | null;
  createdAfter?: Date | string | null;
  createdBefore?: Date | string | null;
  orderBy?: 'NEWEST_FIRST' | 'OLDEST_FIRST' | null;
}

/** The keyset orderings of the orders list. */
const ORDER_ORDERINGS: Record<'NEWEST_FIRST' | 'OLDEST_FIRST', KeysetOrder<'createdAt'>> = {
  NEWEST_FIRST,
  OLDEST_FIRST: { key: 'co', field: 'createdAt', direction: 'asc', type: 'date' },
};

/** A DateTime argument as a Date (the scalar parses literals and variables into Dates). */
const toDate = (v: Date | string | null | undefined): Date | undefined => (v == null ? undefined : v instanceof Date ? v : new Date(v));

/**
 * A page of the tenant's orders (Relay connection with `totalCount`), filtered by `status` and
 * `statuses` (both given: orders in `status` that are also in `statuses`) and the created-at range
 * `[createdAfter, createdBefore)`, ordered newest or oldest first.
 * @throws GraphQLError `BAD_USER_INPUT` for page sizes outside 1..100, mixed directions, malformed
 *   cursors (or one of the other ordering), or an empty date range.
 */
export async function listOrders(ctx: OrdersContext, args: ListOrdersArgs = {}): Promise<Connection<OrderRow>> {
  const page = pageRequest(args, ORDER_ORDERINGS[args.orderBy ?? 'NEWEST_FIRST']);
  const filter = orderFilter(args.status, args.statuses, toDate(args.createdAfter), toDate(args.createdBefore));
  const { orders } = ctx.repositories;
  const rows = await orders.findPage(page, filter);
  return toConnection(rows, page, () => orders.count(filter));
}

/**
 * The tenant's order count and revenue per status and currency over `[createdAfter, createdBefore)`
 * (`Query.orderFigures`), computed in SQL.
 * @throws GraphQLError `BAD_USER_INPUT` for an empty range, or when a revenue exceeds what GraphQL's
 *   `Int` holds (2^31 - 1 minor units: narrow the range).
 */
export async function orderFigures(
  ctx: OrdersContext,
  createdAfter?: Date | string | null,
  createdBefore?: Date | string | null,
): Promise<OrderFiguresRow[]> {
  const filter = orderFilter(undefined, undefined, toDate(createdAfter), toDate(createdBefore));
  const rows = await ctx.repositories.orders.figures(filter.createdAfter, filter.createdBefore);
  if (rows.some((r) => r.revenueAmount > MAX_ORDER_TOTAL)) {
    throw badInput('createdAfter', 'the revenue of this range exceeds 2^31 - 1 minor units; narrow the range.');
  }
  return rows;
}

/**
 * The order the tenant placed earlier with the request's idempotency key, or null when there is none.
 * @throws GraphQLError `BAD_USER_INPUT` (`extensions.reason` `IDEMPOTENCY_KEY_REUSED`) when that order had other lines.
 */
async function findRetriedOrder(ctx: OrdersContext, request: OrderRequest): Promise<OrderRow | null> {
  if (!request.idempotencyKey) return null;
  const existing = await ctx.repositories.orders.findByIdempotencyKey(request.idempotencyKey);
  if (!existing) return null;
  if (!sameOrderPayload(await getOrderLines(ctx, existing), request.lines)) throw idempotencyKeyReused();
  return existing;
}

/**
 * The error for a line whose stock could not be taken: `NOT_FOUND` for the first requested product
 * (in input order) the tenant does not have, else `INSUFFICIENT_STOCK` for `failed`.
 */
async function stockError(stock: StockRepository, lines: readonly RequestedLine[], failed: RequestedLine): Promise<GraphQLError> {
  const products = new Map((await stock.findProducts(lines.map((l) => l.productId))).map((p) => [p.id, p]));
  const missing = lines.find((l) => !products.has(l.productId));
  if (missing) return notFound('Product', missing.productId);
  const { sku, name, stock: available } = products.get(failed.productId)!;
  return domainError('INSUFFICIENT_STOCK', `Only ${available} of ${name} (${sku}) in stock.`, { productId: failed.productId, available });
}

/**
 * Takes the stock of every line, in product id order (concurrent orders lock products in the same
 * order and cannot deadlock), and prices each line from the catalog row; lines come back in input order.
 */
async function takeStock(stock: StockRepository, lines: readonly RequestedLine[]): Promise<PricedLine[]> {
  const priced: PricedLine[] = [];
  const byProduct = lines
    .map((line, position) => ({ ...line, position }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  for (const line of byProduct) {
    const taken = await stock.take(line.productId, line.quantity);
    if (!taken) throw await stockError(stock, lines, line);
    priced.push({ ...line, ...taken });
  }
  return priced.sort((a, b) => a.position - b.position);
}

/** The unit of work of {@link placeOrder}: stock, number, order and lines, outbox event. */
async function placeInTransaction(
  ctx: OrdersContext,
  { orders, stock }: OrdersRepositories,
  uow: UnitOfWork,
  request: OrderRequest,
): Promise<OrderRow> {
  const lines = await takeStock(stock, request.lines);
  const { currency, totalAmount } = orderTotal(lines);
  const number = formatOrderNumber(await orders.nextOrderNumber());
  const order = await orders.insert(
    { number, placedById: ctx.principal.userId, totalAmount, currency, idempotencyKey: request.idempotencyKey },
    lines,
  );
  await ctx.outbox.append(uow, { topic: 'orders', type: 'order.placed', subjectId: order.id, data: { number, status: 'PENDING' } });
  return order;
}

/**
 * Places an order for the caller at the catalog's current prices and takes the stock, atomically:
 * either every line's stock is taken and the order, its lines and an `order.placed` event are
 * committed, or nothing is. With an idempotency key the tenant already used for the same lines,
 * returns that order and writes nothing (also when a concurrent request with the same key wins the
 * race). Callers hold `orders:write` (`@requiresScope` on `Mutation.placeOrder`).
 * @throws GraphQLError `BAD_USER_INPUT` for invalid input (see `validatePlaceOrder`), products
 *   priced in different currencies, or an idempotency key already used for other lines
 *   (`extensions.reason` `IDEMPOTENCY_KEY_REUSED`); `NOT_FOUND` ("Product <id> was not found.") for
 *   an unknown or other tenant's product, before any `INSUFFICIENT_STOCK` (`extensions.productId`,
 *   `extensions.available`) for a product with fewer units than requested.
 */
export async function placeOrder(ctx: OrdersContext, input: PlaceOrderInput): Promise<OrderRow> {
  const request = validatePlaceOrder(input);
  const retried = await findRetriedOrder(ctx, request);
  if (retried) return retried;
  let order: OrderRow;
  try {
    order = await ctx.transaction((repositories, uow) => placeInTransaction(ctx, repositories, uow, request));
  } catch (err) {
    // A concurrent request with the same key committed first: our transaction rolled back (no stock
    // taken twice), so answer with the winner's order, read after the rollback. Our insert then
    // fails with a unique violation; or, when the winner took the last units first, our stock step
    // finds too few, so any domain error is re-checked against the key too.
    if (request.idempotencyKey && (isUniqueViolation(err) || (err as GraphQLError).extensions?.code === 'INSUFFICIENT_STOCK')) {
      const winner = await findRetriedOrder(ctx, request);
      if (winner) return winner;
    }
    throw err;
  }
  ctx.logger.info({ orderId: order.id, number: order.number }, 'order placed');
  return order;
}

/**
 * Moves the tenant's order `id` to `status` along the lifecycle (`ORDER_TRANSITIONS`), in one unit
 * of work: locks the order, checks the transition, updates it, returns a cancelled order's
 * quantities to stock and writes an `order.status_changed` event (`data`: number, status, previousStatus).
 * Callers hold `orders:write` (`@requiresScope` on `Mutation.updateOrderStatus`).
 * @throws GraphQLError `NOT_FOUND` for an unknown, malformed or other tenant's id; `BAD_USER_INPUT`
 *   (`field: 'status'`) for a transition the lifecycle does not allow, including to the same status.
 */
export async function updateOrderStatus(ctx: OrdersContext, id: string, status: OrderStatusName): Promise<OrderRow> {
  if (!isUuid(id)) throw notFound('Order', id);
  return ctx.transaction(async ({ orders, stock }, uow) => {
    const current = await orders.lock(id);
    if (!current) throw notFound('Order', id);
    requireTransition(current.number, current.status, status);
    const order = await orders.setStatus(id, status);
    if (status === 'CANCELLED') await stock.restock(id);
    const data = { number: order.number, status: order.status, previousStatus: current.status };
    await ctx.outbox.append(uow, { topic: 'orders', type: 'order.status_changed', subjectId: order.id, data });
    return order;
  });
}
