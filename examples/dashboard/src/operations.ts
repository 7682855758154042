/**
 * The dashboard's operations, typed by GraphQL Code Generator's client preset (`npm run generate`
 * writes src/gql/ from these documents and the supergraph schema).
 */
import { graphql } from './gql';

/** Everything the dashboard shows, in one federated request across the four subgraphs. */
export const DashboardQuery = graphql(`
  query Dashboard($orders: Int!, $lowStock: Int!, $notifications: Int!, $since: DateTime, $lowStockBelow: Int!) {
    me {
      email
      name
    }
    tenant {
      name
    }
    orderFigures(createdAfter: $since) {
      status
      currency
      orderCount
      revenue {
        amount
        currency
      }
    }
    orders(first: $orders) {
      totalCount
      edges {
        node {
          ...OrderRow
        }
      }
    }
    products(first: $lowStock, lowStockBelow: $lowStockBelow, orderBy: STOCK_ASC) {
      totalCount
      edges {
        node {
          id
          sku
          name
          stock
        }
      }
    }
    notifications(first: $notifications, unreadOnly: true) {
      unreadCount
      edges {
        node {
          ...NotificationRow
        }
      }
    }
  }
`);

/** An order as the orders table shows it (query and live updates alike). */
export const OrderRowFragment = graphql(`
  fragment OrderRow on Order {
    id
    number
    status
    createdAt
    total {
      amount
      currency
    }
    placedBy {
      name
    }
    lines {
      quantity
      product {
        name
      }
    }
  }
`);

/** A notification as the list shows it. */
export const NotificationRowFragment = graphql(`
  fragment NotificationRow on Notification {
    id
    title
    createdAt
    order {
      number
      status
    }
  }
`);

/** Live order updates; `after` resumes after the last cursor received. */
export const OrderUpdatedSubscription = graphql(`
  subscription OrderUpdated($after: String) {
    orderUpdated(after: $after) {
      ...OrderRow
    }
  }
`);

/** Live notifications; `after` resumes after the last cursor received. */
export const NotificationAddedSubscription = graphql(`
  subscription NotificationAdded($after: String) {
    notificationAdded(after: $after) {
      ...NotificationRow
    }
  }
`);
