/**
 * Migration checksums as Prisma's migration engine computes and accepts them (prisma-engines,
 * schema-engine `checksum.rs`, `script_matches_checksum`): the SHA-256 of the `migration.sql` file
 * as lower-case hex. An applied migration matches its file when any of these equals the recorded
 * checksum: the file's checksum, the checksum of the file with every CRLF turned into LF, or with
 * every LF turned into CRLF (a checkout on another platform); each rendered in the legacy format of
 * early engine versions, whose bytes were written without zero padding (prisma-engines issue 1887),
 * when the recorded checksum is not empty and not 64 characters long.
 */
import { createHash } from 'node:crypto';

/** Length of a zero-padded SHA-256 hex checksum. */
export const CHECKSUM_LENGTH = 64;

/** The checksum Prisma records for `sql`: SHA-256, lower-case hex, zero-padded. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** The legacy, unpadded rendering of a checksum (each byte as hex without its leading zero). */
function unpadded(sql: string): string {
  return [...createHash('sha256').update(sql).digest()].map((b) => b.toString(16)).join('');
}

/** True when `recorded` is a checksum Prisma accepts for the file contents `sql` (see module doc). */
export function checksumMatches(sql: string, recorded: string): boolean {
  // As the engine does: the file, CRLF turned into LF, and every LF turned into CRLF.
  const variants = [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\n/g, '\r\n')];
  const render = recorded !== '' && recorded.length !== CHECKSUM_LENGTH ? unpadded : migrationChecksum;
  return variants.some((v) => render(v) === recorded);
}
