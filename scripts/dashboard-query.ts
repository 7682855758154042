/**
 * The dashboard query: what a commerce dashboard asks for on load. It spans all four subgraphs:
 * `me` and `tenant` (tenant), 20 orders with lines, products and `placedBy` (orders, catalog,
 * tenant), and 10 notifications with their orders (notifications, orders). Used by `npm run demo`,
 * the tests and the benchmarks.
 */
export const DASHBOARD_QUERY = /* GraphQL */ `
  query Dashboard {
    me {
      id
      email
      name
      tenant {
        slug
      }
    }
    tenant {
      id
      slug
      name
    }
    orders(first: 20) {
      edges {
        cursor
        node {
          id
          number
          status
          createdAt
          total {
            amount
            currency
          }
          placedBy {
            email
            name
          }
          lines {
            quantity
            unitPrice {
              amount
              currency
            }
            product {
              id
              sku
              name
              stock
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    notifications(first: 10) {
      unreadCount
      edges {
        node {
          id
          title
          read
          createdAt
          order {
            number
            status
          }
        }
      }
    }
  }
`;

/**
 * The example dashboard's query (examples/dashboard/src/operations.ts, typed there by GraphQL Code
 * Generator): the header figures, the newest orders, the products running low and the unread
 * notifications, with their totals, in one request across the four subgraphs. The tests check that
 * its SQL statement count does not depend on the page sizes.
 */
export const EXAMPLE_DASHBOARD_QUERY = /* GraphQL */ `
  query ExampleDashboard($orders: Int!, $lowStock: Int!, $notifications: Int!, $since: DateTime, $lowStockBelow: Int!) {
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
          id
          title
          createdAt
          order {
            number
            status
          }
        }
      }
    }
  }
`;
