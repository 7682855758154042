import type { SubgraphName } from '../lib/schema/subgraphs';
import { catalogSubgraph } from './catalog/catalog.subgraph';
import { notificationsSubgraph } from './notifications/notifications.subgraph';
import { ordersSubgraph } from './orders/orders.subgraph';
import type { SubgraphFactory } from './shared/subgraph-module';
import { tenantSubgraph } from './tenant/tenant.subgraph';

/** Every subgraph's factory by name (the subgraphs never import each other; only this index does). */
export const SUBGRAPH_FACTORIES: Record<SubgraphName, SubgraphFactory> = {
  tenant: tenantSubgraph,
  catalog: catalogSubgraph,
  orders: ordersSubgraph,
  notifications: notificationsSubgraph,
};
