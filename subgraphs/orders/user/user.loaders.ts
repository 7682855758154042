import type DataLoader from 'dataloader';
import { rowsById } from '../../shared/loaders';
import type { OrdersContext } from '../orders.context';
import type { UserName } from './user.repository';

/**
 * Per-request loader of the tenant's user names by id (`user.byId`), for `Order.placedBy
 * @provides(fields: "name")`: the authors of every order resolved in one tick come from one SQL
 * query. Ids the tenant has no user for load as null.
 */
export function userById(ctx: OrdersContext): DataLoader<string, UserName | null> {
  return rowsById(ctx.loaders, 'user.byId', (ids) => ctx.repositories.users.findNames(ids));
}
