import { z } from 'zod';

/**
 * Durations in the config (`interval`, `staleAfter`, `damping.holdDown`): a number of seconds
 * (like every TTL in the file), or a string of one or more `<number><unit>` parts with unit
 * `ms`, `s`, `m` or `h` — `500ms`, `30s`, `15m`, `1h30m`. Parsed to milliseconds.
 */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const DURATION_HINT = 'expected a duration: seconds as a number, or a string like "500ms", "30s", "15m", "1h30m"';

export function parseDuration(text: string): number | undefined {
  const compact = text.trim();
  if (!DURATION.test(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(total);
}

/** A duration field, parsed to milliseconds. */
export const duration = z.union([z.number().min(0), z.string()], { error: DURATION_HINT }).transform((value, ctx) => {
  const ms = typeof value === 'number' ? Math.round(value * 1000) : parseDuration(value);
  if (ms === undefined) {
    ctx.issues.push({ code: 'custom', message: DURATION_HINT, input: value });
    return z.NEVER;
  }
  return ms;
});

/** "1m30s" style text for log lines and messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}
