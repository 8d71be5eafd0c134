import type { TtlPolicy } from '../config/types.js';

/** The TTL to publish for a new or changed address set (docs/design/planning.md, rule 4). */
export function ttlForChange(policy: TtlPolicy, observed: number): number {
  if (policy.kind === 'fixed') return policy.ttl;
  return Math.min(policy.max, Math.max(policy.min, observed));
}

/**
 * Whether a published TTL must be rewritten although the addresses are the same. Resolvers
 * return decaying TTLs, so an in-range TTL is left alone; only one outside [min, max] (or not
 * equal to a fixed TTL) is corrected.
 */
export function ttlNeedsRewrite(policy: TtlPolicy, current: number): boolean {
  if (policy.kind === 'fixed') return current !== policy.ttl;
  // The provider's automatic TTL was chosen by someone on purpose; a range does not fight it.
  if (current === policy.automatic) return false;
  return current < policy.min || current > policy.max;
}
