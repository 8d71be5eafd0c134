import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Time as apexsync sees it, injectable so tests can drive the daemon through hours of rounds
 * without waiting, and step the wall clock without moving the other reading.
 *
 * Two readings, for two jobs. `now()` is the wall clock: for what a person or another system
 * reads (timestamps in logs and /readyz, metrics, SOA serials, HTTP dates). `monotonic()` only
 * moves forward at a steady pace: every deadline, timer, hold-down and "how long since" is measured
 * on it, so an NTP step or an operator setting the clock back an hour never stalls the schedule.
 */
export interface Clock {
  /** Wall time: milliseconds since the epoch. May jump either way. */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes back. Only differences mean anything. */
  monotonic(): number;
  /** Calls `fn` once after `ms` (monotonic); the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
  /** Resolves after `ms` (monotonic). */
  sleep(ms: number): Promise<void>;
}

/** A number in [0, 1). */
export type Random = () => number;

/** setTimeout fires at once for delays past 2^31 − 1 ms (about 24.8 days); longer waits are cut to that. */
const LONGEST_TIMER_MS = 2_147_483_647;

/** Node's timers already run on a monotonic clock; performance.now() reads the same kind of time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.min(Math.max(0, ms), LONGEST_TIMER_MS));
    return () => clearTimeout(timer);
  },
  sleep: (ms) => sleep(Math.min(Math.max(0, ms), LONGEST_TIMER_MS)),
};

/**
 * The wall time at which a monotonic reading happened, as the wall clock reads now. Used to show
 * an instant kept as a monotonic reading; after a step of the wall clock it moves with the step,
 * so "now minus then" on the wall clock stays the time that really passed.
 */
export function wallTimeOf(clock: Pick<Clock, 'now' | 'monotonic'>, monotonicMs: number): number {
  return clock.now() - (clock.monotonic() - monotonicMs);
}
