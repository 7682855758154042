/**
 * Relay cursor connections (https://relay.dev/graphql/connections.htm) over keyset pagination on
 * `(created_at DESC, id DESC)`: a cursor is the base64url JSON of the last row's sort key, so pages
 * stay stable while rows are added.
 */
import { badInput } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';

/** Page size when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest accepted `first`. */
export const MAX_PAGE_SIZE = 100;

/** Decoded position of a cursor. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/** Encodes a row's sort key as an opaque cursor. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

/**
 * Decodes a cursor from {@link encodeCursor}.
 * @throws GraphQLError `BAD_USER_INPUT` for anything else, including an id that is not a UUID (so a
 *   crafted cursor never reaches a `uuid` column).
 */
export function decodeCursor(cursor: string, field = 'after'): CursorPosition {
  try {
    const [iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(iso);
    if (typeof id !== 'string' || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw new Error();
    return { createdAt, id };
  } catch {
    throw badInput(field, 'is not a valid cursor.');
  }
}

/**
 * Validates `first` (1..100, default 20) and decodes `after`.
 * @throws GraphQLError `BAD_USER_INPUT` when `first` is out of range or `after` is malformed.
 */
export function pageArgs(first: number | null | undefined, after: string | null | undefined): { take: number; after?: CursorPosition } {
  const take = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(take) || take < 1 || take > MAX_PAGE_SIZE) {
    throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return { take, after: after ? decodeCursor(after) : undefined };
}

/** Prisma `where` fragment selecting rows after `after` in `(createdAt DESC, id DESC)` order. */
export function afterCursorWhere(after: CursorPosition | undefined) {
  if (!after) return {};
  return {
    OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
  };
}

/** A Relay connection of `T`. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Builds a connection from rows fetched with `take + 1` (the extra row only says there is a next page).
 */
export function toConnection<T extends { createdAt: Date; id: string }>(rows: T[], take: number): Connection<T> {
  const page = rows.slice(0, take);
  const edges = page.map((node) => ({ cursor: encodeCursor(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > take, endCursor: edges.at(-1)?.cursor ?? null } };
}
