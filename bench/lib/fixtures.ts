import { normalizeAddress } from '../../src/addresses.js';

/**
 * The synthetic world every scenario shares: TARGET_COUNT target names in the target zone served
 * by BIND, each with one A and one AAAA, and managed names whose published records are either
 * stale (every record needs an update) or already equal to their target's (a steady state).
 * Addresses are ordinary unicast ones, so no record needs allowSpecialAddresses.
 */

export const TARGET_COUNT = 10_000;
export const TARGET_ZONE = 'target.test';
/** TTL of every target record, as the target zone's $TTL (bench/lib/lab.ts). */
export const TARGET_TTL = 300;

export function targetName(i: number): string {
  return `t${i}.${TARGET_ZONE}`;
}

/**
 * The addresses of target `i`. `generation` 0 is what BIND serves at start; a scenario that
 * "changes a target" moves it to generation 1. Normalised as apexsync normalises them.
 */
export function targetAddresses(i: number, generation = 0): { A: string; AAAA: string } {
  return addressPair(i, 10 + generation);
}

/** Addresses that no target ever has: a managed name holding them needs an update. */
export function staleAddresses(i: number): { A: string; AAAA: string } {
  return addressPair(i, 99);
}

function addressPair(i: number, last: number): { A: string; AAAA: string } {
  const a = `52.${16 + (i >> 8)}.${i & 255}.${last}`;
  const aaaa = `2600:1f18:0:${i.toString(16)}::${last.toString(16)}`;
  return { A: normalizeAddress('A', a) ?? a, AAAA: normalizeAddress('AAAA', aaaa) ?? aaaa };
}

/** Zone-file lines (relative owner names) of the target zone. */
export function targetZoneLines(count = TARGET_COUNT): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const { A, AAAA } = targetAddresses(i);
    lines.push(`t${i} A ${A}`, `t${i} AAAA ${AAAA}`);
  }
  return lines;
}

/** A managed name and the target it follows. */
export interface ManagedRecord {
  readonly name: string;
  readonly zone: string;
  readonly target: string;
  /** Index of the target (targetAddresses(targetIndex)). */
  readonly targetIndex: number;
}

/**
 * `count` managed names `<prefix><i>.<zone>`, following targets `firstTarget + i` (modulo
 * TARGET_COUNT): distinct targets, so every record costs its own resolution.
 */
export function managedRecords(zone: string, prefix: string, count: number, firstTarget = 0): ManagedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const targetIndex = (firstTarget + i) % TARGET_COUNT;
    return { name: `${prefix}${i}.${zone}`, zone, target: targetName(targetIndex), targetIndex };
  });
}

/** The label of `name` relative to `zone` (for zone-file lines). */
export function relativeName(name: string, zone: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}
