import { normalizeAddressSet } from '../../src/addresses.js';
import { FAMILIES, type Family, type RecordSets } from '../../src/model.js';
import { normalizeName } from '../../src/lib/names.js';
import type { LexiconBridge } from './bridge.js';

interface ListedRecord {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly ttl?: unknown;
  readonly content?: unknown;
}

/** The records of `type` at exactly `name`, as lexicon lists them. */
export async function listAt(bridge: LexiconBridge, zone: string, name: string, type: Family | 'CNAME'): Promise<{ ttl: number; content: string }[]> {
  const answer = await bridge.call('list', { zone, name, type });
  const records = Array.isArray(answer.records) ? (answer.records as ListedRecord[]) : [];
  return records.flatMap((record) =>
    typeof record.name === 'string' && normalizeName(record.name) === name && record.type === type && typeof record.content === 'string'
      ? [{ ttl: typeof record.ttl === 'number' ? record.ttl : Number(record.ttl ?? 0), content: record.content }]
      : [],
  );
}

/**
 * What lexicon stored for each normalised value read, keyed `name family value`: a delete must
 * name the record as the provider holds it (an AAAA may be stored in another spelling).
 */
export type StoredText = Map<string, string>;

export function storedKey(name: string, family: Family, value: string): string {
  return `${name} ${family} ${value}`;
}

/** A, AAAA (and a CNAME as a conflict) at one name: three lexicon calls. */
export async function readName(bridge: LexiconBridge, zone: string, name: string, stored?: StoredText): Promise<RecordSets> {
  const cname = await listAt(bridge, zone, name, 'CNAME');
  // Its target is not repeated: lexicon providers rewrite it (its powerdns provider appends the zone).
  if (cname[0] !== undefined) return { conflict: 'CNAME at the name' };
  let sets: RecordSets = {};
  for (const family of FAMILIES) {
    const records = await listAt(bridge, zone, name, family);
    const values = normalizeAddressSet(
      family,
      records.map((record) => record.content),
    );
    for (const record of records) {
      const value = normalizeAddressSet(family, [record.content])[0];
      if (value !== undefined) stored?.set(storedKey(name, family, value), record.content);
    }
    if (values.length > 0) sets = { ...sets, [family]: { ttl: Math.min(...records.map((record) => record.ttl)), values } };
  }
  return sets;
}
