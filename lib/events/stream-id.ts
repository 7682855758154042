/**
 * Stream entry ids (`<ms>-<seq>`, Redis Streams' id format: milliseconds since the epoch and a
 * sequence number within that millisecond, each an unsigned 64-bit integer). They are the cursors
 * clients resume subscriptions from.
 */

const MAX_U64 = (1n << 64n) - 1n;

/** True when `id` has the form of a stream id (`<ms>-<seq>` or `<ms>`, decimal digits). */
export function isStreamId(id: string): boolean {
  return /^\d{1,20}(-\d{1,20})?$/.test(id);
}

/** True when `cursor` is a stream id Redis accepts: the form of {@link isStreamId}, each part at most 2^64 - 1. */
export function isValidCursor(cursor: string): boolean {
  if (!isStreamId(cursor)) return false;
  return cursor.split('-').every((part) => BigInt(part) <= MAX_U64);
}

/** Compares two stream ids numerically (`<ms>` alone means `<ms>-0`): negative, 0 or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const dm = BigInt(am!) - BigInt(bm!);
  if (dm !== 0n) return dm < 0n ? -1 : 1;
  const ds = BigInt(as) - BigInt(bs);
  return ds === 0n ? 0 : ds < 0n ? -1 : 1;
}
