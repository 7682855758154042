/**
 * Keyset pagination (subgraphs/shared/pagination.ts) without a database: argument validation,
 * cursors (including the `[createdAt, id]` cursors of earlier versions), the keyset `where` and
 * `orderBy` in both directions, and the Relay page info of forward and backward pages.
 */
import { GraphQLError } from 'graphql';
import {
  NEWEST_FIRST,
  decodeCursor,
  encodeCursor,
  keysetOrderBy,
  keysetWhere,
  pageRequest,
  toConnection,
  type KeysetOrder,
} from '../../../subgraphs/shared/pagination';

const ID = '00000000-0000-4000-8000-000000000001';
const BY_STOCK: KeysetOrder<'stock'> = { key: 'sa', field: 'stock', direction: 'asc', type: 'int' };
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.code;
  }
  return undefined;
};

describe('pagination', () => {
  it('pageRequest: defaults to 20 forward; refuses sizes outside 1..100 and mixed directions with BAD_USER_INPUT', () => {
    expect(pageRequest({}, NEWEST_FIRST)).toEqual({ order: NEWEST_FIRST, take: 20, backward: false });
    expect(pageRequest({ last: 5 }, NEWEST_FIRST)).toMatchObject({ take: 5, backward: true });
    for (const args of [
      { first: 0 },
      { first: 101 },
      { last: 0 },
      { first: 1, last: 1 },
      { first: 1, before: 'x' },
      { last: 1, after: 'x' },
    ]) {
      expect(code(() => pageRequest(args, NEWEST_FIRST))).toBe('BAD_USER_INPUT');
    }
  });

  it('cursors: round-trip per ordering, refuse another ordering, accept the legacy [createdAt, id] form for newest first', () => {
    const row = { stock: 7, id: ID };
    expect(decodeCursor(BY_STOCK, encodeCursor(BY_STOCK, row))).toEqual({ value: 7, id: ID });
    expect(code(() => decodeCursor(NEWEST_FIRST, encodeCursor(BY_STOCK, row)))).toBe('BAD_USER_INPUT');
    const legacy = Buffer.from(JSON.stringify(['2026-11-22T10:00:00.000Z', ID])).toString('base64url');
    expect(decodeCursor(NEWEST_FIRST, legacy)).toEqual({ value: new Date('2026-11-22T10:00:00.000Z'), id: ID });
    expect(code(() => decodeCursor(NEWEST_FIRST, 'not-a-cursor'))).toBe('BAD_USER_INPUT');
  });

  it('keyset where and orderBy: past the cursor in read direction, reversed for backward pages', () => {
    const after = pageRequest({ first: 2, after: encodeCursor(BY_STOCK, { stock: 7, id: ID }) }, BY_STOCK);
    expect(keysetWhere(after)).toEqual({ OR: [{ stock: { gt: 7 } }, { stock: 7, id: { gt: ID } }] });
    expect(keysetOrderBy(after)).toEqual([{ stock: 'asc' }, { id: 'asc' }]);
    const before = pageRequest({ last: 2, before: encodeCursor(BY_STOCK, { stock: 7, id: ID }) }, BY_STOCK);
    expect(keysetWhere(before)).toEqual({ OR: [{ stock: { lt: 7 } }, { stock: 7, id: { lt: ID } }] });
    expect(keysetOrderBy(before)).toEqual([{ stock: 'desc' }, { id: 'desc' }]);
  });

  it('toConnection: page info of forward and backward pages; totalCount counts once, when asked', async () => {
    const rows = [1, 2, 3].map((stock, i) => ({ stock, id: ID.replace(/1$/, String(i + 1)) }));
    let counts = 0;
    const count = () => Promise.resolve(++counts);
    const forward = toConnection(rows, pageRequest({ first: 2 }, BY_STOCK), count);
    expect(forward.edges.map((e) => e.node.stock)).toEqual([1, 2]);
    expect(forward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: forward.edges[0]!.cursor });
    // Backward pages are read in reverse (3, 2, 1) and returned in the list's order.
    const backward = toConnection([...rows].reverse(), pageRequest({ last: 2 }, BY_STOCK), count);
    expect(backward.edges.map((e) => e.node.stock)).toEqual([2, 3]);
    expect(backward.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, endCursor: backward.edges[1]!.cursor });
    expect(counts).toBe(0);
    await forward.totalCount();
    await forward.totalCount();
    expect(counts).toBe(1);
  });
});
