/**
 * Classification of database errors thrown through Prisma (driver adapter `@prisma/adapter-pg`) or by
 * raw SQL, so repositories can turn expected constraint violations into domain answers.
 */

/**
 * True for a unique-constraint violation: Prisma's `P2002`, PostgreSQL's SQLSTATE `23505` (raw SQL,
 * or the driver error carried as `cause` / `cause.originalCode`), or a message naming `23505`.
 * @param err anything caught; never throws.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; originalCode?: unknown } } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'P2002' || e.code === '23505') return true;
  if (e.cause && (e.cause.code === '23505' || e.cause.originalCode === '23505')) return true;
  return typeof e.message === 'string' && e.message.includes('23505');
}
