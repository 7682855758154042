import { createHash } from 'node:crypto';
import { checksumMatches, migrationChecksum } from '../../../lib/db/migration-checksum';

/** The legacy rendering: each byte in hex without its leading zero. */
const legacy = (sql: string) => [...createHash('sha256').update(sql).digest()].map((b) => b.toString(16)).join('');

describe("migration checksums (the rules of Prisma's schema engine)", () => {
  it('renders SHA-256 as 64 lower-case hex digits, zeros kept', () => {
    expect(migrationChecksum('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(migrationChecksum('abcd')).toHaveLength(64);
  });

  it('matches whatever the line endings of the checkout, both ways', () => {
    for (const scripts of [
      ['ab\ncd\nef\ngh\rab', 'ab\r\ncd\r\nef\r\ngh\rab'],
      ['ab\ncd\nef\ngh\rab\n', 'ab\r\ncd\r\nef\r\ngh\rab\r\n'],
    ]) {
      for (const script of scripts) for (const other of scripts) expect(checksumMatches(script, migrationChecksum(other))).toBe(true);
    }
  });

  it('accepts the unpadded checksums early engine versions recorded, and nothing else', () => {
    const sql = 'CREATE TABLE t (id int);\n';
    const old = legacy(sql);
    expect(old.length).toBeLessThan(64); // some byte below 0x10 lost its zero
    expect(checksumMatches(sql, old)).toBe(true);
    expect(checksumMatches('abc', migrationChecksum('abcd'))).toBe(false);
    expect(checksumMatches('abc\n', migrationChecksum('abc'))).toBe(false);
    expect(checksumMatches(sql, '')).toBe(false);
  });
});
