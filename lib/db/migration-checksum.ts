/**
 * Migration checksums as Prisma's migration engine computes and accepts them (prisma-engines,
 * schema-engine `checksum.rs`): the SHA-256 of the `migration.sql` file as lower-case hex. An applied
 * migration matches its file when any of these equals the recorded checksum: the file's checksum,
 * the checksum of the file with CRLF line endings turned into LF or LF into CRLF (a checkout on
 * another platform), each also in the legacy format of early engine versions whose bytes were
 * written without zero padding (a recorded checksum shorter than 64 characters).
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
  const variants = [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\r?\n/g, '\r\n')];
  const render = recorded.length === CHECKSUM_LENGTH ? migrationChecksum : unpadded;
  return variants.some((v) => render(v) === recorded);
}
