/** Response headers as fetch's `Headers` and the SDKs' own header bags expose them. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * How long a 429 (or a 503) asks the client to wait, in ms: `retry-after-ms`, else `retry-after`
 * as seconds or as an HTTP date (the same reading as the SDKs' own retry loops). Undefined when
 * absent or unreadable. `now` is wall time: an HTTP date is on the wall clock.
 */
export function retryAfterMs(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
