import { normalizeAddressSet } from '../../src/addresses.js';
import { FAMILIES, type RecordSets } from '../../src/model.js';
import { normalizeRecordValues } from '../../src/dns/record-values.js';
import { normalizeName } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import { callApi, type ApiEndpoint } from './api.js';
import { zonePath } from './zones.js';

/** An RRset as the API shows it. */
interface ApiRrset {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly records?: readonly { readonly content: string; readonly disabled?: boolean }[];
}

/**
 * A, AAAA and HTTPS at each name from one GET of the zone (the API reads the backend, not the
 * query cache). Disabled records are not served, so they do not count; an enabled CNAME at a name is
 * a conflict.
 */
export async function readZone(endpoint: ApiEndpoint, zone: string, names: readonly string[]): Promise<Map<string, RecordSets>> {
  const result = await callApi(endpoint, 'GET', zonePath(zone), `zone ${zone}`);
  if (result.kind === 'failed') throw new ProviderError(result.failure.kind, result.failure.message);
  const rrsets = (result.body as { rrsets?: unknown } | undefined)?.rrsets;
  if (!Array.isArray(rrsets)) throw new ProviderError('error', `${endpoint.label} sent zone ${zone} without its records`);
  const wanted = new Set(names);
  const byName = new Map<string, ApiRrset[]>();
  for (const rrset of rrsets as ApiRrset[]) {
    if (typeof rrset?.name !== 'string') continue;
    const name = normalizeName(rrset.name);
    if (wanted.has(name)) byName.set(name, [...(byName.get(name) ?? []), rrset]);
  }
  return new Map(names.map((name) => [name, recordSetsOf(byName.get(name) ?? [])]));
}

function recordSetsOf(rrsets: readonly ApiRrset[]): RecordSets {
  const enabled = (rrset: ApiRrset): string[] => (rrset.records ?? []).filter((record) => record.disabled !== true).map((record) => record.content);
  const cname = rrsets.find((rrset) => rrset.type === 'CNAME' && enabled(rrset).length > 0);
  if (cname) return { conflict: `CNAME at the name (points to ${normalizeName(enabled(cname)[0]!)})` };
  let sets: RecordSets = {};
  for (const family of FAMILIES) {
    const rrset = rrsets.find((candidate) => candidate.type === family);
    const values = rrset ? normalizeAddressSet(family, enabled(rrset)) : [];
    if (rrset && values.length > 0) sets = { ...sets, [family]: { ttl: rrset.ttl, values } };
  }
  const https = rrsets.find((candidate) => candidate.type === 'HTTPS');
  const httpsValues = https ? enabled(https) : [];
  // PowerDNS shows HTTPS content in presentation form. Content that does not parse is kept as
  // written: it differs from any plan, so a mirror replaces it.
  if (https && httpsValues.length > 0) sets = { ...sets, HTTPS: { ttl: https.ttl, values: normalizeRecordValues('HTTPS', httpsValues) ?? [...httpsValues].sort() } };
  return sets;
}
