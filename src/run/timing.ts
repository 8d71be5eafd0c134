import type { Family } from '../model.js';
import type { FamilyResolution } from '../resolve/types.js';
import { backoffCeiling } from '../lib/backoff.js';
import type { Random } from '../lib/clock.js';

export interface IntervalBounds {
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Up to this fraction of the delay is added at random, so targets sharing a TTL (every record
 * behind one CDN, say) do not all fall due in the same second.
 */
export const SUCCESS_JITTER = 0.1;

/**
 * When to look at a record again after a successful round: when what the target answered
 * expires (its observed TTL), clamped to the interval bounds, plus a little jitter. Asking
 * earlier would only get the same answer back from a resolver's cache.
 */
export function delayAfterSuccess(ttlSeconds: number | undefined, interval: IntervalBounds, random: Random): number {
  const base = clamp(ttlSeconds === undefined ? interval.minMs : ttlSeconds * 1000, interval.minMs, interval.maxMs);
  return Math.round(base * (1 + SUCCESS_JITTER * random()));
}

/**
 * Exponential back-off of a failing record: the ceiling doubles from interval.min with each
 * consecutive failure, up to interval.max, and the delay is drawn from [ceiling/2, ceiling]
 * ("equal jitter") so records that failed together (a provider outage) retry apart.
 */
export function delayAfterFailure(consecutiveFailures: number, interval: IntervalBounds, random: Random): number {
  const ceiling = backoffCeiling(consecutiveFailures - 1, interval.minMs, interval.maxMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The smallest TTL among the families that resolved to addresses; undefined when none did. */
export function observedTtl(resolved: Readonly<Partial<Record<Family, FamilyResolution>>> | undefined): number | undefined {
  let smallest: number | undefined;
  for (const resolution of Object.values(resolved ?? {})) {
    if (resolution?.kind === 'addresses' && (smallest === undefined || resolution.ttl < smallest)) smallest = resolution.ttl;
  }
  return smallest;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
