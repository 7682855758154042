import DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { OrdersContext } from '../orders.context';
import type { OrderLineRow, OrderRow } from './order.repository';

/**
 * Per-request loader of the tenant's orders by id (`order.byId`): all lookups of one tick (for
 * example the 50 representations of an `_entities` call) become one SQL query. Unknown ids, and ids
 * of another tenant, load as null. Callers pass only UUIDs.
 */
export function orderById(ctx: OrdersContext): DataLoader<string, OrderRow | null> {
  return rowsById(ctx.loaders, 'order.byId', (ids) => ctx.repositories.orders.findByIds(ids));
}

/**
 * Per-request loader of an order's lines by order id (`orderLines.byOrderId`), ordered by position:
 * the lines of every order resolved in one tick come from one SQL query, filtered on the tenant.
 * An order with no lines (or of another tenant) loads as an empty array.
 */
export function orderLinesByOrderId(ctx: OrdersContext): DataLoader<string, OrderLineRow[]> {
  return ctx.loaders.get('orderLines.byOrderId', () => {
    return new DataLoader<string, OrderLineRow[]>(async (orderIds) => {
      const rows = await ctx.repositories.orders.findLinesByOrderIds(orderIds);
      const byOrder = new Map<string, OrderLineRow[]>();
      for (const row of rows) {
        const list = byOrder.get(row.orderId);
        if (list) list.push(row);
        else byOrder.set(row.orderId, [row]);
      }
      return orderIds.map((id) => byOrder.get(id) ?? []);
    });
  });
}
