import type { RateLimiter } from '../../src/lib/rate-limit.js';
import { route53Pacer } from './pacer.js';

/**
 * Timing knobs of the adapter. Production uses the defaults; tests shrink the delays so a
 * throttling storm or an INSYNC wait runs in milliseconds. Not part of the config file.
 */
export interface Route53Tuning {
  /** Attempts per API call, the first included. */
  readonly maxAttempts: number;
  readonly throttlingBaseDelayMs: number;
  readonly transientBaseDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** A request without a complete response after this long fails (a write is then "could not confirm"). */
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** `waitForSync`: delay between GetChange polls, and the bound on the whole wait. */
  readonly syncPollDelayMs: number;
  readonly syncMaxWaitMs: number;
  /** Pacer every request goes through; the process-wide one unless a test isolates itself. */
  readonly pacer: RateLimiter;
}

export const DEFAULT_TUNING: Route53Tuning = {
  maxAttempts: 5,
  // Route 53 refills its per-account budget every second; the SDK's standard mode uses the same base.
  throttlingBaseDelayMs: 1000,
  transientBaseDelayMs: 100,
  maxRetryDelayMs: 20_000,
  // Route 53 answers in well under a second; a stalled connection should not hold a round for long.
  requestTimeoutMs: 10_000,
  connectionTimeoutMs: 5_000,
  // Changes usually reach every Route 53 server within 60 s.
  syncPollDelayMs: 5_000,
  syncMaxWaitMs: 60_000,
  pacer: route53Pacer,
};
