import { normalizeAddress, sortAddresses } from '../addresses.js';
import type { TtlPolicy } from '../config/types.js';
import type { Family } from '../model.js';
import { ttlForChange } from '../plan/ttl.js';
import type { FamilyResolution } from '../resolve/types.js';

/**
 * Churn damping (pure; time is an argument). The rule is in docs/design/damping.md. In short: a
 * target is mirrored exactly until it shows that it rotates a pool (the lookups of one round
 * disagree, or an address it stopped answering comes back); while it rotates, an address outlives
 * its last sighting by a hold-down bounded by the record's largest TTL, and an answer sharing
 * nothing with what is known is a move, published at once on its own.
 */

/** The last time an address was in an answer, and that answer's TTL as the record would publish it. */
export interface Sighting {
  readonly lastSeenAt: number;
  readonly ttl: number;
}

/** What damping remembers of one record's family. */
export interface FamilyLedger {
  /** Addresses seen within their hold-down. */
  readonly sightings: ReadonlyMap<string, Sighting>;
  /** When the previous answer (addresses or empty) came. */
  readonly lastAnswerAt: number | undefined;
  /** When the target last showed that it rotates. */
  readonly rotationSeenAt: number | undefined;
}

export const EMPTY_LEDGER: FamilyLedger = { sightings: new Map(), lastAnswerAt: undefined, rotationSeenAt: undefined };

/** Floor of the automatic hold-down (still capped by the record's largest TTL). */
export const MIN_HOLD_DOWN_MS = 5 * 60_000;

export interface DampInput {
  readonly ledger: FamilyLedger;
  /** This round's answer for the family (the union of its samples). */
  readonly resolution: FamilyResolution;
  /** Whether the lookups of this round disagreed with each other. */
  readonly samplesDisagreed: boolean;
  /** The family's values at the provider now. */
  readonly published: readonly string[];
  readonly now: number;
  /** Fixed hold-down; undefined: automatic (see holdDownOf); 0: damping off. */
  readonly holdDownMs: number | undefined;
  readonly record: {
    readonly ttl: TtlPolicy;
    readonly maxAddresses: number;
    /** The planner refuses these: never held, so one bad answer cannot block the family. */
    readonly isRefused: (address: string) => boolean;
  };
}

export interface DampOutput {
  readonly ledger: FamilyLedger;
  /** What the planner is given in place of the raw answer. */
  readonly resolution: FamilyResolution;
  /** Whether the family is treated as a rotating pool this round. */
  readonly rotating: boolean;
}

/** The largest TTL the record publishes, in ms: the bound of every hold-down. */
export function holdDownCapOf(policy: TtlPolicy): number {
  return (policy.kind === 'fixed' ? policy.ttl : policy.max) * 1000;
}

/**
 * How long an address outlives its last sighting: the configured hold-down, else twice the TTL
 * it was last answered with (a resolver may hand it out that long after we stopped seeing it), at
 * least five minutes; never longer than the record's largest TTL. `sighting.ttl` is already
 * clamped to the record's TTL policy, so one answer with a huge TTL cannot pin an address.
 */
export function holdDownOf(sighting: Sighting, fixedMs: number | undefined, policy: TtlPolicy): number {
  const wanted = fixedMs ?? Math.max(2 * sighting.ttl * 1000, MIN_HOLD_DOWN_MS);
  return Math.min(wanted, holdDownCapOf(policy));
}

export function dampFamily(input: DampInput): DampOutput {
  const { resolution, now, record } = input;
  // A failed lookup says nothing about the pool: the planner leaves the family alone anyway.
  if (resolution.kind === 'failure') return { ledger: input.ledger, resolution, rotating: false };
  if (input.holdDownMs === 0) return { ledger: EMPTY_LEDGER, resolution, rotating: false };

  const family = resolution.family;
  const held = new Map<string, Sighting>();
  for (const [address, sighting] of input.ledger.sightings) {
    if (!isHoldable(family, address, record.isRefused)) continue;
    if (now - sighting.lastSeenAt < holdDownOf(sighting, input.holdDownMs, record.ttl)) held.set(address, sighting);
  }

  const answered = resolution.kind === 'addresses' ? resolution.addresses : [];
  const previousAt = input.ledger.lastAnswerAt;
  // An address absent from the previous answer and back in this one, while this answer overlaps
  // the previous one: the target rotates a pool. (A failback, B → A with nothing in common, is a
  // move like any other and is mirrored.)
  const seenBefore = (a: string): number | undefined => held.get(a)?.lastSeenAt;
  const overlapsPrevious = previousAt !== undefined && answered.some((a) => seenBefore(a) === previousAt);
  const cameBack = overlapsPrevious && answered.some((a) => (seenBefore(a) ?? Infinity) < previousAt);
  // Evidence of rotation lasts as long as an address seen with this answer would be held.
  const answerTtl = resolution.kind === 'addresses' ? ttlForChange(record.ttl, resolution.ttl) : Infinity;
  const windowMs = holdDownOf({ lastSeenAt: now, ttl: answerTtl }, input.holdDownMs, record.ttl);
  const evidence = input.samplesDisagreed || cameBack;
  const rotationSeenAt = evidence ? now : input.ledger.rotationSeenAt !== undefined && now - input.ledger.rotationSeenAt < windowMs ? input.ledger.rotationSeenAt : undefined;
  const rotating = rotationSeenAt !== undefined;

  const known = new Set([...held.keys(), ...input.published]);
  const moved = answered.length > 0 && !answered.some((a) => known.has(a));
  const sightings = moved ? new Map<string, Sighting>() : held;
  for (const address of answered) if (isHoldable(family, address, record.isRefused)) sightings.set(address, { lastSeenAt: now, ttl: answerTtl });
  const ledger: FamilyLedger = { sightings, lastAnswerAt: now, rotationSeenAt };

  // Mirrored exactly: a target that does not rotate, a move, an answer the planner refuses.
  if (!rotating || moved || answered.some(record.isRefused) || sightings.size === 0) return { ledger, resolution, rotating };

  const chosen = chooseLive(sightings, answered, input.published, record.maxAddresses);
  const ttl = resolution.kind === 'addresses' ? resolution.ttl : Math.min(...chosen.map((a) => sightings.get(a)!.ttl));
  return { ledger, resolution: { kind: 'addresses', family, addresses: chosen, ttl, chain: resolution.chain }, rotating };
}

function isHoldable(family: Family, address: string, isRefused: (address: string) => boolean): boolean {
  return normalizeAddress(family, address) === address && !isRefused(address);
}

/**
 * At most `max` live addresses: those already published first, then this answer's, then other
 * held ones, most recently seen first. A pool larger than `max` then keeps its published subset
 * instead of rotating it.
 */
function chooseLive(sightings: ReadonlyMap<string, Sighting>, answered: readonly string[], published: readonly string[], max: number): string[] {
  const answeredSet = new Set(answered);
  const publishedSet = new Set(published);
  const rank = (address: string): number => (publishedSet.has(address) ? 0 : answeredSet.has(address) ? 1 : 2);
  const canonical = sortAddresses([...sightings.keys()]);
  const position = new Map(canonical.map((a, i) => [a, i]));
  const ordered = [...canonical].sort((a, b) => rank(a) - rank(b) || sightings.get(b)!.lastSeenAt - sightings.get(a)!.lastSeenAt || position.get(a)! - position.get(b)!);
  return sortAddresses(ordered.slice(0, max));
}
