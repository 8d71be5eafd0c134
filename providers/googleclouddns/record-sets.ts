import { normalizeAddressSet } from '../../src/addresses.js';
import { normalizeRecordValues } from '../../src/dns/record-values.js';
import type { RecordSets, RecordType } from '../../src/model.js';

/** A resource record set exactly as Cloud DNS listed it: a deletion must repeat it verbatim. */
export interface StoredRrset {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly rrdatas?: readonly string[];
  readonly routingPolicy?: unknown;
  readonly [field: string]: unknown;
}

export interface NameState {
  /** What the core sees: normalised values, and any conflict in words. */
  readonly sets: RecordSets;
  /** What Cloud DNS holds, for exact-match deletions. */
  readonly stored: Partial<Record<RecordType, StoredRrset>>;
}

/**
 * The state of one name from the record sets listed at it. A CNAME (or Cloud DNS's ALIAS)
 * cannot share the name with A/AAAA, and an A/AAAA set with a routing policy (geo, weighted
 * round robin, failover) is something apexsync must not replace by a plain set. HTTPS is read like
 * A/AAAA (Cloud DNS lists its rrdatas in presentation form). Other types are left alone.
 */
export function nameStateOf(rrsets: readonly StoredRrset[]): NameState {
  const conflicts: string[] = [];
  const sets: { A?: RecordSets['A']; AAAA?: RecordSets['AAAA']; HTTPS?: RecordSets['HTTPS'] } = {};
  const stored: Partial<Record<RecordType, StoredRrset>> = {};
  for (const rrset of rrsets) {
    const type = rrset.type;
    if (type === 'CNAME' || type === 'ALIAS') {
      conflicts.push(`a ${type} (to ${rrset.rrdatas?.[0] ?? '?'}) is at this name, and A/AAAA records cannot sit beside it`);
    } else if (type === 'HTTPS' && (rrset.routingPolicy === undefined || rrset.routingPolicy === null)) {
      const values = rrset.rrdatas ?? [];
      // Records that do not parse are kept as written: they differ from any plan, so a mirror replaces them.
      sets.HTTPS = { ttl: rrset.ttl ?? 0, values: normalizeRecordValues('HTTPS', values) ?? [...values].sort() };
      stored.HTTPS = rrset;
    } else if (type === 'A' || type === 'AAAA') {
      if (rrset.routingPolicy !== undefined && rrset.routingPolicy !== null) {
        conflicts.push(`this name has a Cloud DNS ${routingPolicyOf(rrset.routingPolicy)} ${type} record set; apexsync manages plain A/AAAA records`);
      } else {
        sets[type] = { ttl: rrset.ttl ?? 0, values: normalizeAddressSet(type, rrset.rrdatas ?? []) };
        stored[type] = rrset;
      }
    }
  }
  const unique = [...new Set(conflicts)];
  return { sets: unique.length > 0 ? { ...sets, conflict: unique.join('; ') } : sets, stored };
}

function routingPolicyOf(policy: unknown): string {
  const fields = typeof policy === 'object' && policy !== null ? policy : {};
  if ('geo' in fields) return 'geolocation routing policy';
  if ('wrr' in fields) return 'weighted round robin routing policy';
  if ('primaryBackup' in fields) return 'failover routing policy';
  return 'routing policy';
}
