import type { RecordSet as AzureRecordSet } from '@azure/arm-dns';
import { normalizeName } from '../../src/lib/names.js';

/** The record set's name relative to the zone, as Azure DNS addresses it ('@' is the apex). */
export function relativeName(name: string, zone: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}

/** The absolute, normalised name of a record set from its `fqdn` (with the trailing dot). */
export function absoluteName(fqdn: string): string {
  return normalizeName(fqdn);
}

/** The normalised owner name of a listed record set: from its relative name, else its fqdn. */
export function ownerOf(recordSet: AzureRecordSet, zone: string): string | undefined {
  if (recordSet.name !== undefined) return recordSet.name === '@' ? zone : normalizeName(`${recordSet.name}.${zone}`);
  return recordSet.fqdn !== undefined ? normalizeName(recordSet.fqdn) : undefined;
}
