/**
 * TTL values as BIND 9 reads them in a master file: a plain number of seconds, or number+unit
 * groups (`1h30m`, `2W`, `1D2h`; units w d h m s, any case). A value above 2^31−1 is loaded as 0
 * (RFC 2181 §8; BIND warns and does the same), so apexsync reports what the server will serve.
 */

const MAX_TTL = 0x7fffffff;
const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const TTL_TEXT = /^(?:\d+|(?:\d+[wdhms])+)$/i;

/** True when the token is TTL syntax (used to tell an optional TTL from a class or type). */
export function looksLikeTtl(text: string): boolean {
  return TTL_TEXT.test(text);
}

/** Seconds for a TTL token; undefined when it is not TTL syntax or does not fit in 32 bits. */
export function parseTtl(text: string): number | undefined {
  if (!TTL_TEXT.test(text)) return undefined;
  let total = 0;
  if (/^\d+$/.test(text)) {
    total = Number(text);
  } else {
    for (const [, amount, unit] of text.matchAll(/(\d+)([wdhms])/gi)) {
      total += Number(amount) * (UNIT_SECONDS[(unit as string).toLowerCase()] as number);
    }
  }
  if (!Number.isSafeInteger(total) || total > 0xffffffff) return undefined;
  return total > MAX_TTL ? 0 : total;
}
