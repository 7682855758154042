/** RFC 4122 textual form: 8-4-4-4-12 hexadecimal digits, any version, either case. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `value` is a UUID in its textual form. Ids that are not cannot exist in the database
 * (every id column is `uuid`), so callers answer "not found" or `BAD_USER_INPUT` without a query.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
