/**
 * Data and query of the standard federation-gateway benchmark scenario (accounts, inventory,
 * products, reviews; User, Product and Review entities with `@key`, `@requires`, `@provides`),
 * re-implemented for this repository. The expected response is computed here from the data by
 * plain code ({@link expectedResponse}), independently of any gateway, and every benchmark response
 * is compared against it.
 */

/** A user of the accounts subgraph. */
export interface BenchUser {
  id: string;
  name: string;
  username: string;
  birthday: number;
}

/** A product of the products subgraph (`price` and `weight` are also `@external` in inventory). */
export interface BenchProduct {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

/** A review of the reviews subgraph. */
export interface BenchReview {
  id: string;
  body: string;
  productUpc: string;
}

const LOREM_A =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.';
const LOREM_B = 'Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam.';
const LOREM_C = 'Neque porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit.';
const LOREM_D = 'Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam.';
const LOREM_E =
  'At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt mollitia animi.';

/** Six users. */
export const USERS: readonly BenchUser[] = [
  ['1', 'Ada Lovelace', 'ada'],
  ['2', 'Alan Turing', 'alan'],
  ['3', 'Grace Hopper', 'grace'],
  ['4', 'Edsger Dijkstra', 'edsger'],
  ['5', 'Barbara Liskov', 'barbara'],
  ['6', 'Donald Knuth', 'donald'],
].map(([id, name, username]) => ({ id: id!, name: name!, username: username!, birthday: 1234567890 }));

/** Nine products. */
export const PRODUCTS: readonly BenchProduct[] = [
  ['1', 'Table', 899, 100],
  ['2', 'Couch', 1299, 1000],
  ['3', 'Glass', 15, 20],
  ['4', 'Chair', 499, 100],
  ['5', 'TV', 1299, 1000],
  ['6', 'Lamp', 6999, 300],
  ['7', 'Grill', 3999, 2000],
  ['8', 'Fridge', 100000, 6000],
  ['9', 'Sofa', 9999, 800],
].map(([upc, name, price, weight]) => ({ upc: String(upc), name: String(name), price: Number(price), weight: Number(weight) }));

/** Inventory: `inStock` per product upc. */
export const IN_STOCK: Readonly<Record<string, boolean>> = {
  1: true,
  2: false,
  3: false,
  4: false,
  5: true,
  6: true,
  7: true,
  8: false,
  9: true,
};

/** Eleven reviews, of products 1-4 (so most top products have reviews and some have none). */
export const REVIEWS: readonly BenchReview[] = [
  ['1', LOREM_A, '1'],
  ['2', LOREM_B, '1'],
  ['3', LOREM_C, '1'],
  ['4', LOREM_D, '1'],
  ['5', LOREM_A, '2'],
  ['6', LOREM_B, '2'],
  ['7', LOREM_C, '2'],
  ['8', LOREM_D, '2'],
  ['9', LOREM_D, '3'],
  ['10', LOREM_D, '4'],
  ['11', LOREM_E, '4'],
].map(([id, body, productUpc]) => ({ id: id!, body: body!, productUpc: productUpc! }));

/** As in the public scenario, every review's author is user 1 (reviews provides `username`). */
export const REVIEW_AUTHOR_ID = '1';
/** As in the public scenario, `User.reviews` (reviews subgraph) is the first two reviews for every user. */
export const USER_REVIEW_IDS: readonly string[] = ['1', '2'];
/** `topProducts` default size. */
export const TOP_PRODUCTS_DEFAULT = 5;

/** `Product.shippingEstimate` (inventory, `@requires(fields: "price weight")`). */
export function shippingEstimate(price: number | null | undefined, weight: number | null | undefined): number | null {
  if (price == null) return null;
  if (price > 1000) return 0;
  return weight == null ? null : Math.round(weight / 2);
}

/** The benchmark query: nested users/reviews/products plus topProducts (about 16 subgraph fetches). */
export const FEDERATION_QUERY = /* GraphQL */ `
  fragment U on User {
    id
    username
    name
  }
  fragment R on Review {
    id
    body
  }
  fragment P on Product {
    inStock
    name
    price
    shippingEstimate
    upc
    weight
  }
  query BenchQuery {
    users {
      ...U
      reviews {
        ...R
        product {
          ...P
          reviews {
            ...R
            author {
              ...U
              reviews {
                ...R
                product {
                  ...P
                }
              }
            }
          }
        }
      }
    }
    topProducts {
      ...P
      reviews {
        ...R
        author {
          ...U
          reviews {
            ...R
            product {
              ...P
            }
          }
        }
      }
    }
  }
`;

function user(id: string): BenchUser {
  const u = USERS.find((x) => x.id === id);
  if (!u) throw new Error(`no user ${id}`);
  return u;
}
function review(id: string): BenchReview {
  const r = REVIEWS.find((x) => x.id === id);
  if (!r) throw new Error(`no review ${id}`);
  return r;
}
function productOf(upc: string): Record<string, unknown> {
  const p = PRODUCTS.find((x) => x.upc === upc);
  if (!p) throw new Error(`no product ${upc}`);
  return {
    inStock: IN_STOCK[upc] ?? null,
    name: p.name,
    price: p.price,
    shippingEstimate: shippingEstimate(p.price, p.weight),
    upc: p.upc,
    weight: p.weight,
  };
}
const userFields = (u: BenchUser) => ({ id: u.id, username: u.username, name: u.name });
const reviewFields = (r: BenchReview) => ({ id: r.id, body: r.body });
const reviewsOf = (upc: string) => REVIEWS.filter((r) => r.productUpc === upc);
const authorWithReviews = () => ({
  ...userFields(user(REVIEW_AUTHOR_ID)),
  reviews: USER_REVIEW_IDS.map((id) => review(id)).map((r) => ({ ...reviewFields(r), product: productOf(r.productUpc) })),
});

/** The response {@link FEDERATION_QUERY} must produce, computed from the data by plain code. */
export function expectedResponse(): { data: Record<string, unknown> } {
  return {
    data: {
      users: USERS.map((u) => ({
        ...userFields(u),
        reviews: USER_REVIEW_IDS.map((id) => review(id)).map((r) => ({
          ...reviewFields(r),
          product: {
            ...productOf(r.productUpc),
            reviews: reviewsOf(r.productUpc).map((pr) => ({ ...reviewFields(pr), author: authorWithReviews() })),
          },
        })),
      })),
      topProducts: PRODUCTS.slice(0, TOP_PRODUCTS_DEFAULT).map((p) => ({
        ...productOf(p.upc),
        reviews: reviewsOf(p.upc).map((r) => ({ ...reviewFields(r), author: authorWithReviews() })),
      })),
    },
  };
}
