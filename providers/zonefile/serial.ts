/**
 * The next SOA serial after an edit (RFC 1982 serial arithmetic, 32 bits).
 *
 * A serial that looks like a date (YYYYMMDDnn with a real calendar date) stays one: today's date
 * with nn + 1 when it is already today's, else today's date with 00. "Today" is the UTC date of
 * `now`, so a container and a laptop in different time zones agree. When that would not move the
 * serial forward (nn already 99, or a date in the future) the serial is simply incremented, as it
 * is for any serial that does not look like a date. Incrementing 4294967295 wraps to 0 (RFC 1982).
 */

const SERIAL_MODULUS = 2 ** 32;
const HALF_RANGE = 2 ** 31;

export function nextSerial(current: number, now: Date): number {
  const incremented = (current + 1) % SERIAL_MODULUS;
  const date = serialDate(current);
  if (date === undefined) return incremented;
  const today = now.getUTCFullYear() * 10000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate();
  const candidate = date === today ? current + 1 : today * 100;
  if (date === today && current % 100 === 99) return incremented;
  return isSerialGreater(candidate, current) && candidate < SERIAL_MODULUS ? candidate : incremented;
}

/** YYYYMMDD of a serial that looks like YYYYMMDDnn with a valid date (year 1970 or later). */
export function serialDate(serial: number): number | undefined {
  const text = String(serial);
  if (!/^\d{10}$/.test(text)) return undefined;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  if (year < 1970 || month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return Number(text.slice(0, 8));
}

/** RFC 1982 §3.2: `a` is greater than `b`. */
export function isSerialGreater(a: number, b: number): boolean {
  return (a < b && b - a > HALF_RANGE) || (a > b && a - b < HALF_RANGE);
}
