import { compareStreamIds, isStreamId, isValidCursor } from '../../../lib/events/stream-id';

describe('compareStreamIds', () => {
  it('orders by milliseconds, then by sequence, numerically (not as text)', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('10-10', '10-2')).toBeGreaterThan(0);
    expect(compareStreamIds('10-3', '10-3')).toBe(0);
  });

  it('reads a bare <ms> as <ms>-0, and compares beyond 2^53', () => {
    expect(compareStreamIds('10', '10-0')).toBe(0);
    expect(compareStreamIds('10', '10-1')).toBeLessThan(0);
    expect(compareStreamIds('18446744073709551615-0', '18446744073709551614-9')).toBeGreaterThan(0);
  });
});

describe('isStreamId / isValidCursor', () => {
  it('accepts <ms>-<seq> and <ms>', () => {
    for (const id of ['0', '0-0', '1795321380917-0', '1795321380917-12']) {
      expect(isStreamId(id)).toBe(true);
      expect(isValidCursor(id)).toBe(true);
    }
  });

  it('refuses anything else, and parts above 2^64 - 1', () => {
    for (const id of ['', 'yesterday', '-1', '1-', '1-2-3', ' 1-0', '1.5-0', '0x10-0']) expect(isStreamId(id)).toBe(false);
    expect(isStreamId('18446744073709551616-0')).toBe(true);
    expect(isValidCursor('18446744073709551616-0')).toBe(false);
    expect(isValidCursor('1-18446744073709551615')).toBe(true);
  });
});
