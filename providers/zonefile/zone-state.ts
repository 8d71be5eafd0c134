import { normalizeAddressSet } from '../../src/addresses.js';
import { FAMILIES, type RecordSet, type RecordSets } from '../../src/model.js';
import type { InheritedTtl, ParsedZone, SourceRef, ZoneRecord } from './parse.js';
import { recordsAt, zoneIndex } from './zone-index.js';

/**
 * What the zone file holds at one owner name, in the provider contract's terms: the A and AAAA
 * sets (TTL = the first record's, which is what BIND serves when a set's TTLs differ; a rewrite
 * makes them all equal) and anything
 * that makes the name not apexsync's to edit.
 */
export function recordSetsAt(zone: ParsedZone, name: string): RecordSets {
  const atName = recordsAt(zone, name);
  const sets: { A?: RecordSet; AAAA?: RecordSet; HTTPS?: RecordSet } = {};
  for (const family of FAMILIES) {
    const records = atName.filter((r) => r.type === family && r.address !== undefined);
    if (records.length > 0) {
      sets[family] = {
        ttl: records[0]!.ttl,
        values: normalizeAddressSet(
          family,
          records.map((r) => r.address as string),
        ),
      };
    }
  }
  const https = atName.filter((r) => r.type === 'HTTPS' && r.address !== undefined);
  if (https.length > 0) sets.HTTPS = { ttl: https[0]!.ttl, values: [...new Set(https.map((r) => r.address as string))].sort() };
  const conflicts = conflictsAt(zone, name, atName);
  return conflicts.length > 0 ? { ...sets, conflict: conflicts.join('; ') } : sets;
}

function conflictsAt(zone: ParsedZone, name: string, atName: readonly ZoneRecord[]): string[] {
  const conflicts: string[] = [];
  const cname = atName.find((r) => r.type === 'CNAME');
  if (cname) conflicts.push(`a CNAME is at ${name} (${where(cname.source)})`);
  const foreign = atName.find((r) => (r.type === 'A' || r.type === 'AAAA' || r.type === 'HTTPS' || r.type === 'CNAME') && r.placement === undefined);
  if (foreign) {
    const how = foreign.source.via === 'generate' ? 'a $GENERATE line' : 'an $INCLUDEd file';
    conflicts.push(`${foreign.type} records of ${name} come from ${how} (${where(foreign.source)}); apexsync edits only records written in ${zone.file}`);
  }
  const { cuts, dnames } = zoneIndex(zone);
  const cut = cuts.find((r) => isAtOrBelow(name, r.owner));
  if (cut) conflicts.push(`${name} is at or below the delegation to another zone at ${cut.owner} (NS at ${where(cut.source)})`);
  const dname = dnames.find((r) => r.owner !== name && isAtOrBelow(name, r.owner));
  if (dname) conflicts.push(`${name} is below a DNAME at ${dname.owner} (${where(dname.source)})`);
  const inherits = ttlInheritedAcross(zone, atName);
  if (inherits) {
    conflicts.push(
      `${zone.file} has no $TTL line and ${inherits.owner} ${inherits.type} (line ${inherits.line + 1}) takes its TTL from the record before it (RFC 1035), so rewriting ${name} could change it; add a $TTL line at the top of the file`,
    );
  }
  return conflicts;
}

/**
 * A record whose inherited TTL a rewrite of this name could change: one after the place the
 * name's A/AAAA lines are written (where they are, or after the owner's last line for a new set;
 * a name with no line at all is written at the end of the file) that takes its TTL from a record
 * at or before that place. Found at read time, so a dry run refuses exactly what a write would.
 */
function ttlInheritedAcross(zone: ParsedZone, atName: readonly ZoneRecord[]): InheritedTtl | undefined {
  if (zone.inheritedTtls.length === 0) return undefined;
  const placed = atName.flatMap((r) => (r.placement === undefined ? [] : [r]));
  const addresses = placed.filter((r) => r.type === 'A' || r.type === 'AAAA');
  const at =
    addresses.length > 0 ? Math.min(...addresses.map((r) => r.placement!.firstLine)) : placed.length > 0 ? Math.max(...placed.map((r) => r.placement!.lastLine)) : undefined;
  if (at === undefined) return undefined;
  const ownLine = new Set(addresses.map((r) => r.placement!.firstLine));
  return zone.inheritedTtls.find((r) => r.line > at && !ownLine.has(r.line) && (r.from === undefined || r.from <= at));
}

function isAtOrBelow(name: string, ancestor: string): boolean {
  return name === ancestor || name.endsWith(`.${ancestor}`);
}

export function where(source: SourceRef): string {
  return `${source.file}:${source.line}`;
}
