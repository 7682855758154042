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
