import { createHash } from 'node:crypto';
import { RateLimiter } from '../../src/lib/rate-limit.js';

/**
 * Cloudflare allows 1 200 requests per 5 minutes per token; going over blocks the token for five
 * minutes. Each token's requests go through one sliding-window limiter, so apexsync never trips
 * the limit by itself. The budget is below 1 200 to leave room for other tools sharing the token.
 */
export const REQUESTS_PER_WINDOW = 1_100;
export const WINDOW_MS = 5 * 60_000;

/** One limiter per token for the whole process (every provider instance sharing a token shares it). */
const pacers = new Map<string, RateLimiter>();

/** Keyed by a hash of the token, so the token text is never kept as a map key or logged. */
export function pacerForToken(token: string): RateLimiter {
  const key = createHash('sha256').update(token).digest('hex');
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new RateLimiter({ limit: REQUESTS_PER_WINDOW, windowMs: WINDOW_MS });
    pacers.set(key, pacer);
  }
  return pacer;
}
