import { normalizeAddressSet } from '../../src/addresses.js';
import { mapLimit } from '../../src/lib/concurrency.js';
import { FAMILIES, type RecordSet, type RecordSets, type RecordType } from '../../src/model.js';
import { normalizeRecordValues } from '../../src/dns/record-values.js';
import { ProviderError } from '../types.js';
import { serverLabel, type Endpoint } from './client.js';
import { RCODE, rcodeName } from '../../src/dns/rcode.js';
import { describeKey } from './messages.js';
import { queryPrimary } from './query.js';

/**
 * Names read at the same time, two queries each: enough to fill the pipeline (4 connections × 32
 * queries in flight, pipeline.ts) and no more, so the rest wait here, unsigned and unsent, rather
 * than in the pipeline's queue.
 */
const CONCURRENT_NAMES = 64;

/** What the primary holds for one family at one name. */
interface FamilyState {
  readonly set?: RecordSet;
  /** Target of a CNAME at the name. */
  readonly cname?: string;
}

/** A and AAAA at each name, straight from the primary (authoritative data, no cache in between). */
export async function readRecordSets(endpoint: Endpoint, zone: string, names: readonly string[], withHttps = false): Promise<Map<string, RecordSets>> {
  const read = await mapLimit(names, CONCURRENT_NAMES, (name) => readNameSets(endpoint, zone, name, withHttps));
  return new Map(names.map((name, index) => [name, read[index]!]));
}

async function readNameSets(endpoint: Endpoint, zone: string, name: string, withHttps: boolean): Promise<RecordSets> {
  const types: readonly RecordType[] = withHttps ? [...FAMILIES, 'HTTPS'] : FAMILIES;
  const [a, aaaa, https] = await Promise.all(types.map((type) => readFamily(endpoint, zone, name, type)));
  const cname = a?.cname ?? aaaa?.cname ?? https?.cname;
  if (cname !== undefined) return { conflict: `CNAME at the name (points to ${cname})` };
  return { ...(a?.set ? { A: a.set } : {}), ...(aaaa?.set ? { AAAA: aaaa.set } : {}), ...(https?.set ? { HTTPS: https.set } : {}) };
}

async function readFamily(endpoint: Endpoint, zone: string, name: string, family: RecordType): Promise<FamilyState> {
  const server = serverLabel(endpoint);
  const { header, response } = await queryPrimary(endpoint, name, family);
  if (header.rcode === RCODE.REFUSED) {
    const who = endpoint.key ? `this client with ${describeKey(endpoint.key)}` : 'this client';
    throw new ProviderError('auth', `${server} refused the query for ${name} ${family} (REFUSED): is it authoritative for zone ${zone}, and does its allow-query admit ${who}?`);
  }
  if (header.rcode === RCODE.NOTAUTH) throw new ProviderError('auth', `${server} is not authoritative for ${name} (NOTAUTH)`);
  if (header.rcode !== RCODE.NOERROR && header.rcode !== RCODE.NXDOMAIN) {
    throw new ProviderError('error', `${server} answered ${rcodeName(header.rcode)} for ${name} ${family}${header.rcode === RCODE.SERVFAIL ? ` (is zone ${zone} loaded?)` : ''}`);
  }
  if (!header.authoritative) {
    throw new ProviderError('rejected', `${server} is not authoritative for ${name} (is it delegated elsewhere, or zone ${zone} not served there?)`);
  }
  let cname: string | undefined;
  let ttl: number | undefined;
  const values: string[] = [];
  for (const record of response.answers) {
    if (record.name !== name) continue; // the rest of a CNAME chain, followed by the server
    if (record.type === 'CNAME') cname = record.data;
    if (record.type === family) {
      values.push(record.data);
      ttl = Math.min(ttl ?? Number.POSITIVE_INFINITY, record.ttl);
    }
  }
  if (cname !== undefined) return { cname };
  const normalised = family === 'HTTPS' ? (normalizeRecordValues(family, values) ?? []) : normalizeAddressSet(family, values);
  return normalised.length > 0 && ttl !== undefined ? { set: { ttl, values: normalised } } : {};
}
