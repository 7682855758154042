import type { RepositoryFactory, SubgraphContext } from '../shared/context';
import { OrderRepository } from './order/order.repository';
import { StockRepository } from './stock/stock.repository';
import { UserRepository } from './user/user.repository';

/** The orders subgraph's repositories, bound to one tenant scope. */
export interface OrdersRepositories {
  orders: OrderRepository;
  stock: StockRepository;
  users: UserRepository;
}

/** Builds the orders repositories on `scope` (a request's, or a unit of work's). */
export const ordersRepositories: RepositoryFactory<OrdersRepositories> = (scope) => ({
  orders: new OrderRepository(scope),
  stock: new StockRepository(scope),
  users: new UserRepository(scope),
});

/** The context of every orders resolver. */
export type OrdersContext = SubgraphContext<OrdersRepositories>;
