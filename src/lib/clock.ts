/**
 * Time and chance as the daemon sees them, injectable so tests can drive the scheduler through
 * hours of rounds without waiting and with a seeded random source.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** A number in [0, 1). */
export type Random = () => number;

/** setTimeout fires at once for delays past 2^31 − 1 ms (about 24.8 days); longer waits are cut to that. */
const LONGEST_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.min(Math.max(0, ms), LONGEST_TIMER_MS));
    return () => clearTimeout(timer);
  },
};
