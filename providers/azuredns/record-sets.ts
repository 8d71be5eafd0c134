import type { RecordSet as AzureRecordSet } from '@azure/arm-dns';
import { normalizeAddressSet } from '../../src/addresses.js';
import type { Family, RecordSets } from '../../src/model.js';

/** An A or AAAA record set as Azure holds it: its ETag makes the write conditional. */
export interface StoredRecordSet {
  readonly etag: string;
  /** Kept on an update: a PUT replaces the whole record set. */
  readonly metadata?: { readonly [key: string]: string };
}

export interface NameState {
  /** What the core sees: normalised values, and any conflict in words. */
  readonly sets: RecordSets;
  /** Every A/AAAA record set that exists at the name, an empty one too (it is updated, not created). */
  readonly stored: Partial<Record<Family, StoredRecordSet>>;
}

export const ALIAS_CONFLICT = 'this name is an Azure DNS alias record set; apexsync manages plain A/AAAA records';

/**
 * The state of one name from its record sets. A CNAME cannot share the name with A/AAAA, and an
 * alias record set (`targetResource`: a public IP, Traffic Manager profile, Front Door…) follows
 * an Azure resource natively and is never overwritten. Other types are left alone.
 */
export function nameStateOf(recordSets: readonly AzureRecordSet[]): NameState {
  const conflicts: string[] = [];
  const sets: { A?: RecordSets['A']; AAAA?: RecordSets['AAAA'] } = {};
  const stored: Partial<Record<Family, StoredRecordSet>> = {};
  for (const recordSet of recordSets) {
    const type = typeOf(recordSet);
    if (type === 'CNAME') {
      conflicts.push(`a CNAME (to ${recordSet.cnameRecord?.cname ?? '?'}) is at this name, and A/AAAA records cannot sit beside a CNAME`);
    } else if (type === 'A' || type === 'AAAA') {
      if (recordSet.targetResource?.id !== undefined) {
        conflicts.push(`${ALIAS_CONFLICT} (${type} alias to ${recordSet.targetResource.id})`);
        continue;
      }
      const values = type === 'A' ? (recordSet.aRecords ?? []).map((record) => record.ipv4Address) : (recordSet.aaaaRecords ?? []).map((record) => record.ipv6Address);
      const present = values.filter((value): value is string => value !== undefined);
      if (present.length > 0) sets[type] = { ttl: recordSet.ttl ?? 0, values: normalizeAddressSet(type, present) };
      stored[type] = { etag: recordSet.etag ?? '', ...(recordSet.metadata !== undefined ? { metadata: recordSet.metadata } : {}) };
    }
  }
  const unique = [...new Set(conflicts)];
  return { sets: unique.length > 0 ? { ...sets, conflict: unique.join('; ') } : sets, stored };
}

/** "Microsoft.Network/dnsZones/A" → "A". */
export function typeOf(recordSet: AzureRecordSet): string {
  return (recordSet.type ?? '').split('/').pop() ?? '';
}
