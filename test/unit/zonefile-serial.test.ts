import { describe, expect, it } from 'vitest';
import { isSerialGreater, nextSerial, serialDate } from '../../providers/zonefile/serial.js';

const at = (iso: string): Date => new Date(iso);

describe('SOA serial bump', () => {
  it.each<[string, number, string, number]>([
    ['date-based, same day: nn + 1', 2026112203, '2026-11-22T10:00:00Z', 2026112204],
    ['date-based, earlier day: today 00', 2024010105, '2026-11-22T10:00:00Z', 2026112200],
    ['date-based, nn 99 today: falls back to + 1', 2026112299, '2026-11-22T10:00:00Z', 2026112300],
    ['date-based, date in the future: + 1 (never goes backwards)', 2026112405, '2026-11-22T10:00:00Z', 2026112406],
    ['today is the UTC date of now', 2026112200, '2026-11-22T23:59:59-05:00', 2026112300],
    ['not a date (small counter): + 1', 41, '2026-11-22T10:00:00Z', 42],
    ['not a date (invalid month): + 1', 2026132201, '2026-11-22T10:00:00Z', 2026132202],
    ['not a date (Feb 30): + 1', 2026023001, '2026-11-22T10:00:00Z', 2026023002],
    ['not a date (unix time): + 1', 1700000000, '2026-11-22T10:00:00Z', 1700000001],
    ['wraps at 2^32 (RFC 1982)', 4294967295, '2026-11-22T10:00:00Z', 0],
    ['zero: + 1', 0, '2026-11-22T10:00:00Z', 1],
  ])('%s', (_what, current, now, expected) => {
    expect(nextSerial(current, at(now))).toBe(expected);
    expect(isSerialGreater(expected, current)).toBe(true);
  });

  it('recognises date-based serials only with a real calendar date', () => {
    expect(serialDate(2024022901)).toBe(20240229);
    expect(serialDate(2023022901)).toBeUndefined();
    expect(serialDate(202401010)).toBeUndefined();
    expect(serialDate(1969123100)).toBeUndefined();
  });

  it('compares serials with RFC 1982 arithmetic', () => {
    expect(isSerialGreater(0, 4294967295)).toBe(true);
    expect(isSerialGreater(4294967295, 0)).toBe(false);
    expect(isSerialGreater(5, 5)).toBe(false);
    expect(isSerialGreater(2 ** 31 + 10, 5)).toBe(false);
  });
});
