/**
 * Catalog business rules: listing and search, and product writes. The writes require
 * `catalog:write`, declared in schema/catalog.graphql with `@requiresScope` and enforced before the
 * resolvers run (subgraphs/shared/requires-scope.ts).
 */
import { randomUUID } from 'node:crypto';
import { badInput, notFound } from '../../../lib/errors';
import { NEWEST_FIRST, pageRequest, toConnection, type Connection, type KeysetOrder, type PageArgs } from '../../shared/pagination';
import { isUuid, requireCurrency, requireInt, requireText } from '../../shared/validation';
import { productById } from './product.loaders';
import type { CatalogContext } from '../catalog.context';
import type { NewProduct, ProductListFilter, ProductRow, ProductSortField } from './product.repository';

/** Input of {@link createProduct}; `price.amount` in minor units. */
export interface CreateProductInput {
  sku: string;
  name: string;
  description?: string | null;
  price: { amount: number; currency: string };
  stock: number;
}

/** Input of {@link updateProduct}; absent fields stay as they are. */
export interface UpdateProductInput {
  name?: string | null;
  description?: string | null;
  price?: { amount: number; currency: string } | null;
  stock?: number | null;
}

/** The tenant's product with `id`, or null (also for malformed ids and other tenants' products). */
export async function getProduct(ctx: CatalogContext, id: string): Promise<ProductRow | null> {
  if (!isUuid(id)) return null;
  return productById(ctx).load(id);
}

/** Arguments of the `products` list (`Query.products`). */
export interface ListProductsArgs extends PageArgs {
  search?: string | null;
  lowStockBelow?: number | null;
  orderBy?: keyof typeof PRODUCT_ORDERINGS | null;
}

/** The keyset orderings of the products list. */
const PRODUCT_ORDERINGS = {
  NEWEST_FIRST,
  NAME_ASC: { key: 'na', field: 'name', direction: 'asc', type: 'string' },
  NAME_DESC: { key: 'nd', field: 'name', direction: 'desc', type: 'string' },
  STOCK_ASC: { key: 'sa', field: 'stock', direction: 'asc', type: 'int' },
  STOCK_DESC: { key: 'sd', field: 'stock', direction: 'desc', type: 'int' },
} as const satisfies Record<string, KeysetOrder<ProductSortField>>;

/**
 * A page of the tenant's products (Relay connection with `totalCount`), filtered by `search` (name
 * or SKU) and `lowStockBelow`, ordered by `orderBy` (newest first by default).
 * @throws GraphQLError `BAD_USER_INPUT` for page sizes outside 1..100, mixed directions, malformed
 *   cursors (or one of another ordering), a search over 100 characters or a negative threshold.
 */
export async function listProducts(ctx: CatalogContext, args: ListProductsArgs = {}): Promise<Connection<ProductRow>> {
  const page = pageRequest<ProductSortField>(args, PRODUCT_ORDERINGS[args.orderBy ?? 'NEWEST_FIRST']);
  const search = args.search?.trim() || undefined;
  if (search && search.length > 100) throw badInput('search', 'must be at most 100 characters.');
  if (args.lowStockBelow != null && (!Number.isInteger(args.lowStockBelow) || args.lowStockBelow < 0)) {
    throw badInput('lowStockBelow', 'must be zero or more.');
  }
  const filter: ProductListFilter = {
    ...(search ? { search } : {}),
    ...(args.lowStockBelow != null ? { stockBelow: args.lowStockBelow } : {}),
  };
  const { products } = ctx.repositories;
  const rows = await products.findPage(page, filter);
  return toConnection(rows, page, () => products.count(filter));
}

/**
 * Creates a product.
 * Callers hold `catalog:write` (`@requiresScope` on `Mutation.createProduct`).
 * @throws GraphQLError `BAD_USER_INPUT` for invalid fields or a taken SKU.
 */
export async function createProduct(ctx: CatalogContext, input: CreateProductInput): Promise<ProductRow> {
  const data: NewProduct = {
    sku: requireText('input.sku', input.sku, 64),
    name: requireText('input.name', input.name, 200),
    description: input.description == null ? null : input.description.slice(0, 2000),
    priceAmount: requireInt('input.price.amount', input.price.amount, 0),
    priceCurrency: requireCurrency('input.price.currency', input.price.currency),
    stock: requireInt('input.stock', input.stock, 0),
  };
  const created = await ctx.repositories.products.create(randomUUID(), data);
  if (!created) throw badInput('input.sku', `a product with SKU ${data.sku} already exists.`);
  return created;
}

/**
 * Updates a product.
 * Callers hold `catalog:write` (`@requiresScope` on `Mutation.updateProduct`).
 * @throws GraphQLError `NOT_FOUND` when the tenant has no such product; `BAD_USER_INPUT` for invalid fields.
 */
export async function updateProduct(ctx: CatalogContext, id: string, input: UpdateProductInput): Promise<ProductRow> {
  const data: Partial<NewProduct> = {};
  if (input.name != null) data.name = requireText('input.name', input.name, 200);
  if (input.description !== undefined) data.description = input.description === null ? null : input.description.slice(0, 2000);
  if (input.price != null) {
    data.priceAmount = requireInt('input.price.amount', input.price.amount, 0);
    data.priceCurrency = requireCurrency('input.price.currency', input.price.currency);
  }
  if (input.stock != null) data.stock = requireInt('input.stock', input.stock, 0);
  if (!isUuid(id)) throw notFound('Product', id);
  const updated = await ctx.repositories.products.update(id, data);
  if (!updated) throw notFound('Product', id);
  return updated;
}
