import type { ParsedZone, ZoneRecord } from './parse.js';

/**
 * Lookups into a parsed zone by owner name, built once per ParsedZone (which is never mutated):
 * a read, a compare-and-swap check or a verification of N names then costs O(records + N), not
 * O(records × N) — with 10 000 names in one file the scans took most of a sync's time.
 */
export interface ZoneIndex {
  /** Every record of the zone by owner, in file order. */
  readonly byOwner: ReadonlyMap<string, readonly ZoneRecord[]>;
  /** NS records below the apex (delegations) and DNAME records: names at or below them are not apexsync's. */
  readonly cuts: readonly ZoneRecord[];
  readonly dnames: readonly ZoneRecord[];
}

const indexes = new WeakMap<ParsedZone, ZoneIndex>();

export function zoneIndex(zone: ParsedZone): ZoneIndex {
  let index = indexes.get(zone);
  if (index === undefined) {
    const byOwner = new Map<string, ZoneRecord[]>();
    const cuts: ZoneRecord[] = [];
    const dnames: ZoneRecord[] = [];
    for (const record of zone.records) {
      const atOwner = byOwner.get(record.owner);
      if (atOwner) atOwner.push(record);
      else byOwner.set(record.owner, [record]);
      if (record.type === 'NS' && record.owner !== zone.origin) cuts.push(record);
      if (record.type === 'DNAME') dnames.push(record);
    }
    index = { byOwner, cuts, dnames };
    indexes.set(zone, index);
  }
  return index;
}

/** The records at `owner`, in file order (empty when there are none). */
export function recordsAt(zone: ParsedZone, owner: string): readonly ZoneRecord[] {
  return zoneIndex(zone).byOwner.get(owner) ?? [];
}
