import { sortAddresses } from '../addresses.js';
import type { FamilyResolution } from '../resolve/types.js';

/**
 * Churn damping (pure; time is an argument). Targets behind a rotating pool — Route 53
 * multivalue, CloudFront, ELB — answer a different subset on every lookup; mirroring each answer
 * would rewrite the apex on almost every round. The ledger remembers when each address was last
 * seen: a newly seen address is published at once, and an address leaves only once it has been
 * absent from every answer for the hold-down.
 */

/** The last time an address was in an answer, and that answer's TTL in seconds. */
export interface Sighting {
  readonly lastSeenAt: number;
  readonly ttl: number;
}

/** Addresses of one record and family that are still within their hold-down. */
export type FamilyLedger = ReadonlyMap<string, Sighting>;

export const EMPTY_LEDGER: FamilyLedger = new Map();

/** Floor of the automatic hold-down. */
export const MIN_HOLD_DOWN_MS = 5 * 60_000;

export interface DampInput {
  readonly ledger: FamilyLedger;
  /** This round's answer for the family. */
  readonly resolution: FamilyResolution;
  /** The family's values at the provider now. */
  readonly published: readonly string[];
  readonly now: number;
  /** Fixed hold-down; undefined: automatic (see holdDownOf); 0: damping off. */
  readonly holdDownMs: number | undefined;
  readonly maxAddresses: number;
}

export interface DampOutput {
  readonly ledger: FamilyLedger;
  /** What the planner is given in place of the raw answer. */
  readonly resolution: FamilyResolution;
}

/**
 * How long an address outlives its last sighting: the configured hold-down, else twice the TTL
 * it was last answered with (a resolver may hand it out that long after we stopped seeing it),
 * at least five minutes. Per address, so a TTL lowered ahead of a migration shortens the wait.
 */
export function holdDownOf(sighting: Sighting, fixedMs: number | undefined): number {
  return fixedMs ?? Math.max(2 * sighting.ttl * 1000, MIN_HOLD_DOWN_MS);
}

export function dampFamily(input: DampInput): DampOutput {
  const { resolution, now } = input;
  // A failed lookup says nothing about the pool: the planner leaves the family alone anyway.
  if (resolution.kind === 'failure') return { ledger: input.ledger, resolution };
  if (input.holdDownMs === 0) return { ledger: EMPTY_LEDGER, resolution };

  const ledger = new Map<string, Sighting>();
  for (const [address, sighting] of input.ledger) {
    if (now - sighting.lastSeenAt < holdDownOf(sighting, input.holdDownMs)) ledger.set(address, sighting);
  }
  const answered = resolution.kind === 'addresses' ? resolution.addresses : [];
  if (resolution.kind === 'addresses') for (const address of answered) ledger.set(address, { lastSeenAt: now, ttl: resolution.ttl });
  if (ledger.size === 0) return { ledger, resolution };

  const chosen = chooseLive(ledger, answered, input.published, input.maxAddresses);
  const ttl = resolution.kind === 'addresses' ? resolution.ttl : Math.min(...chosen.map((a) => ledger.get(a)!.ttl));
  return { ledger, resolution: { kind: 'addresses', family: resolution.family, addresses: chosen, ttl, chain: resolution.chain } };
}

/**
 * At most `max` live addresses. Normally those already published come first, then this answer's,
 * then other held ones, most recently seen first: a pool larger than `max` then keeps its
 * published subset instead of rotating it. When the answer shares no address with what is
 * published, the target has moved rather than rotated, and the answer goes first, so the name
 * never keeps pointing only at addresses the target stopped handing out.
 */
function chooseLive(ledger: FamilyLedger, answered: readonly string[], published: readonly string[], max: number): string[] {
  const answeredSet = new Set(answered);
  const publishedSet = new Set(published);
  const moved = answered.length > 0 && !answered.some((a) => publishedSet.has(a));
  const rank = (address: string): number => {
    const isPublished = publishedSet.has(address);
    const isAnswered = answeredSet.has(address);
    if (moved) return isAnswered ? 0 : isPublished ? 1 : 2;
    return isPublished ? 0 : isAnswered ? 1 : 2;
  };
  const canonical = sortAddresses([...ledger.keys()]);
  const position = new Map(canonical.map((a, i) => [a, i]));
  const ordered = [...canonical].sort(
    (a, b) => rank(a) - rank(b) || ledger.get(b)!.lastSeenAt - ledger.get(a)!.lastSeenAt || position.get(a)! - position.get(b)!,
  );
  return sortAddresses(ordered.slice(0, max));
}
