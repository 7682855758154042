/**
 * Relay cursor connections (https://relay.dev/graphql/connections.htm) over keyset pagination: a
 * list is ordered by one sort key (`created_at`, `name`, `stock`...) then `id` in the same
 * direction, and a cursor is the base64url JSON `[orderKey, sortValue, id]` of a row, so pages stay
 * stable while rows are added and every page is one indexed range scan, however deep.
 *
 * - Forward: `first` (1-100, default 20) rows after `after`. Backward: `last` rows before `before`,
 *   read in the reverse order and returned in the list's order. `first` with `last`, `before` with
 *   `first`, or `after` with `last` is `BAD_USER_INPUT`.
 * - `pageInfo`: `hasNextPage` (forward: a row beyond the page exists; backward: `before` was given),
 *   `hasPreviousPage` (backward: a row beyond the page exists; forward: `after` was given, as the
 *   Relay specification allows when it cannot be told cheaply), `startCursor`, `endCursor`.
 * - `totalCount` is a method, so graphql-js's default resolver calls it only when it is selected:
 *   one `count(*)` over the same filters, whatever the page size.
 * A cursor of another ordering, or anything that is not a cursor, is `BAD_USER_INPUT`.
 */
import { badInput } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';

/** Page size when neither `first` nor `last` is given. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest accepted `first` or `last`. */
export const MAX_PAGE_SIZE = 100;

/** Sort direction. */
export type SortDirection = 'asc' | 'desc';

/** A keyset ordering of a list: by `field`, then by `id`, both in `direction`. */
export interface KeysetOrder<F extends string = string> {
  /** Short name written into cursors, so a cursor of another ordering is refused. */
  key: string;
  /** The Prisma field sorted on. */
  field: F;
  direction: SortDirection;
  /** How the sort value is written into a cursor. */
  type: 'date' | 'string' | 'int';
}

/** The newest-first ordering every list had so far (cursors `[createdAt, id]` of earlier versions stay valid). */
export const NEWEST_FIRST: KeysetOrder<'createdAt'> = { key: 'c', field: 'createdAt', direction: 'desc', type: 'date' };

/** Decoded position of a cursor. */
export interface KeysetPosition {
  value: Date | string | number;
  id: string;
}

/** Relay's pagination arguments. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A validated page request. */
export interface PageRequest<F extends string = string> {
  order: KeysetOrder<F>;
  /** Rows of the page. */
  take: number;
  /** `last`/`before`: read in the reverse order. */
  backward: boolean;
  /** The decoded `after` (forward) or `before` (backward). */
  cursor?: KeysetPosition;
}

/** Relay's `PageInfo`. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** A Relay connection of `T`; `totalCount()` counts every row matching the list's filters. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
}

/** Any connection: the parent type of the generated `...Connection` resolvers (codegen.ts mappers). */
export type AnyConnection = Connection<unknown>;

/** Encodes `row`'s position in `order` as an opaque cursor. */
export function encodeCursor<F extends string>(order: KeysetOrder<F>, row: Record<F, unknown> & { id: string }): string {
  const value = row[order.field];
  const written = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify([order.key, written, row.id])).toString('base64url');
}

/**
 * Decodes a cursor of `order` ({@link encodeCursor}; for {@link NEWEST_FIRST} also the `[createdAt, id]`
 * cursors of earlier versions).
 * @throws GraphQLError `BAD_USER_INPUT` naming `field` for anything else, including an id that is not
 *   a UUID (so a crafted cursor never reaches a `uuid` column) and a cursor of another ordering.
 */
export function decodeCursor(order: KeysetOrder, cursor: string, field = 'after'): KeysetPosition {
  try {
    let parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (parts.length === 2 && order.key === NEWEST_FIRST.key) parts = [NEWEST_FIRST.key, ...parts];
    const [key, raw, id] = parts;
    if (parts.length !== 3 || key !== order.key || typeof id !== 'string' || !isUuid(id)) throw new Error();
    let value: Date | string | number;
    if (order.type === 'date') {
      value = new Date(raw as string);
      if (typeof raw !== 'string' || Number.isNaN(value.getTime())) throw new Error();
    } else if (order.type === 'int') {
      if (!Number.isSafeInteger(raw)) throw new Error();
      value = raw as number;
    } else {
      if (typeof raw !== 'string') throw new Error();
      value = raw;
    }
    return { value, id };
  } catch {
    throw badInput(field, 'is not a valid cursor for this list and ordering.');
  }
}

function pageSize(name: 'first' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw badInput(name, `must be between 1 and ${MAX_PAGE_SIZE}.`);
  return value;
}

/**
 * Validates Relay's arguments for a list ordered by `order` (see the module doc).
 * @throws GraphQLError `BAD_USER_INPUT` for sizes outside 1..100, mixed directions or malformed cursors.
 */
export function pageRequest<F extends string>(args: PageArgs, order: KeysetOrder<F>): PageRequest<F> {
  const backward = args.last != null || args.before != null;
  if (backward) {
    if (args.first != null) throw badInput('first', 'cannot be combined with last or before.');
    if (args.after != null) throw badInput('after', 'cannot be combined with last or before.');
    const take = pageSize('last', args.last ?? DEFAULT_PAGE_SIZE);
    return { order, take, backward, ...(args.before ? { cursor: decodeCursor(order, args.before, 'before') } : {}) };
  }
  const take = pageSize('first', args.first ?? DEFAULT_PAGE_SIZE);
  return { order, take, backward, ...(args.after ? { cursor: decodeCursor(order, args.after, 'after') } : {}) };
}

/** The direction rows are read in: the order's, reversed for a backward page. */
function readDirection(page: PageRequest): SortDirection {
  if (!page.backward) return page.order.direction;
  return page.order.direction === 'asc' ? 'desc' : 'asc';
}

/** Prisma `where` fragment selecting the rows past the page's cursor, in read direction (empty without one). */
export function keysetWhere(page: PageRequest): Record<string, unknown> {
  if (!page.cursor) return {};
  const op = readDirection(page) === 'desc' ? 'lt' : 'gt';
  const { field } = page.order;
  const { value, id } = page.cursor;
  return { OR: [{ [field]: { [op]: value } }, { [field]: value, id: { [op]: id } }] };
}

/** Prisma `orderBy` reading the page: the sort field then `id`, in read direction. */
export function keysetOrderBy(page: PageRequest): Array<Record<string, SortDirection>> {
  const direction = readDirection(page);
  return [{ [page.order.field]: direction }, { id: direction }];
}

/** Rows to fetch: one more than the page, which only tells that another page exists. */
export function fetchSize(page: PageRequest): number {
  return page.take + 1;
}

/**
 * Builds the connection from rows read with {@link keysetWhere}, {@link keysetOrderBy} and
 * {@link fetchSize}; `count` counts the list's rows for `totalCount`.
 */
export function toConnection<F extends string, T extends Record<F, unknown> & { id: string }>(
  rows: T[],
  page: PageRequest<F>,
  count: () => Promise<number>,
): Connection<T> {
  const more = rows.length > page.take;
  const nodes = rows.slice(0, page.take);
  if (page.backward) nodes.reverse();
  const edges = nodes.map((node) => ({ cursor: encodeCursor(page.order, node), node }));
  const hasCursor = page.cursor !== undefined;
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: page.backward ? hasCursor : more,
      hasPreviousPage: page.backward ? more : hasCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (counted ??= count()),
  };
}
