import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { normalizeAddressSet } from '../../src/addresses.js';
import type { RecordSets, RecordType } from '../../src/model.js';
import { normalizeRecordValues } from '../../src/dns/record-values.js';

/** A/AAAA exactly as Route 53 holds them: a DELETE must repeat the TTL and the values verbatim. */
export interface StoredRecordSet {
  readonly ttl: number;
  readonly values: readonly string[];
}

export type StoredRecordSets = Partial<Record<RecordType, StoredRecordSet>>;

export interface NameState {
  /** What the core sees: normalised values, and any conflict in words. */
  readonly sets: RecordSets;
  /** What Route 53 holds, for exact-match DELETEs. */
  readonly stored: StoredRecordSets;
}

export const ALIAS_CONFLICT = 'this name is a Route 53 alias; apexsync manages plain A/AAAA records';

/**
 * The state of one name from the record sets Route 53 listed at it. Only A, AAAA and CNAME
 * matter: a CNAME cannot share the name with A/AAAA, and an alias or a routing-policy set
 * (weighted, latency, geo, failover, multivalue, IP-based) of type A/AAAA is something apexsync
 * must not replace by a plain set. Other types (SOA, NS, MX, TXT, …) are left alone.
 */
export function nameStateOf(recordSets: readonly ResourceRecordSet[]): NameState {
  const conflicts: string[] = [];
  const sets: { A?: RecordSets['A']; AAAA?: RecordSets['AAAA']; HTTPS?: RecordSets['HTTPS'] } = {};
  const stored: StoredRecordSets = {};
  for (const recordSet of recordSets) {
    const type = recordSet.Type;
    if (type === 'CNAME') {
      const target = recordSet.AliasTarget?.DNSName ?? recordSet.ResourceRecords?.[0]?.Value ?? '?';
      conflicts.push(`a CNAME (to ${target}) is at this name, and A/AAAA records cannot sit beside a CNAME`);
    } else if (type === 'HTTPS' && recordSet.SetIdentifier === undefined && recordSet.AliasTarget === undefined) {
      const values = (recordSet.ResourceRecords ?? []).flatMap((record) => (record.Value !== undefined ? [record.Value] : []));
      const ttl = recordSet.TTL ?? 0;
      // Records that do not parse are kept as written: they differ from any plan, so a mirror replaces them.
      sets.HTTPS = { ttl, values: normalizeRecordValues('HTTPS', values) ?? [...values].sort() };
      stored.HTTPS = { ttl, values };
    } else if (type === 'A' || type === 'AAAA') {
      if (recordSet.AliasTarget !== undefined) {
        conflicts.push(`${ALIAS_CONFLICT} (${type} alias to ${recordSet.AliasTarget.DNSName ?? '?'})`);
      } else if (recordSet.SetIdentifier !== undefined) {
        conflicts.push(
          `this name has a Route 53 ${routingPolicyOf(recordSet)} ${type} record set (identifier "${recordSet.SetIdentifier}"); ` + 'apexsync manages plain A/AAAA records',
        );
      } else {
        const values = (recordSet.ResourceRecords ?? []).flatMap((record) => (record.Value !== undefined ? [record.Value] : []));
        const ttl = recordSet.TTL ?? 0;
        sets[type] = { ttl, values: normalizeAddressSet(type, values) };
        stored[type] = { ttl, values };
      }
    }
  }
  const unique = [...new Set(conflicts)];
  return { sets: unique.length > 0 ? { ...sets, conflict: unique.join('; ') } : sets, stored };
}

function routingPolicyOf(recordSet: ResourceRecordSet): string {
  if (recordSet.Weight !== undefined) return 'weighted';
  if (recordSet.Region !== undefined) return 'latency';
  if (recordSet.Failover !== undefined) return 'failover';
  if (recordSet.GeoLocation !== undefined) return 'geolocation';
  if (recordSet.GeoProximityLocation !== undefined) return 'geoproximity';
  if (recordSet.MultiValueAnswer !== undefined) return 'multivalue answer';
  if (recordSet.CidrRoutingConfig !== undefined) return 'IP-based';
  return 'routing-policy';
}
