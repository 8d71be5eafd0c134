import type { Record as CloudDnsRecord } from '@google-cloud/dns';
import { ProviderError } from '../types.js';
import type { CloudDnsClient } from './client.js';
import { describeCloudDnsError } from './errors.js';
import { fromCloudDnsName, toCloudDnsName } from './names.js';
import { nameStateOf, type NameState, type StoredRrset } from './record-sets.js';
import type { ManagedZoneRef } from './zones.js';

/** The query of one resourceRecordSets.list page (the SDK's own type is not exported). */
interface GetRecordsRequest {
  readonly autoPaginate: false;
  readonly maxResults: number;
  readonly name?: string;
  readonly pageToken?: string;
}

/** Record sets per resourceRecordSets.list page: the most the API returns. */
const RRSETS_PER_PAGE = 1000;
/** A listing that needs more pages than this is a server bug (a token that does not advance). */
const PAGE_LIMIT = 10_000;

export interface ZoneReading {
  readonly states: ReadonlyMap<string, NameState>;
  /** resourceRecordSets.list calls made. */
  readonly pages: number;
}

/**
 * Reads the record sets at `names` with one listing: filtered by name when there is one name
 * (a single small page), else the whole zone, page by page with `pageToken`. One listing per zone
 * and round, however many names it holds.
 */
export async function readZoneNames(client: CloudDnsClient, zone: ManagedZoneRef, names: readonly string[]): Promise<ZoneReading> {
  const found = new Map<string, StoredRrset[]>(names.map((name) => [name, []]));
  let query: GetRecordsRequest | null = {
    autoPaginate: false,
    maxResults: RRSETS_PER_PAGE,
    ...(names.length === 1 && names[0] !== undefined ? { name: toCloudDnsName(names[0]) } : {}),
  };
  let pages = 0;
  while (query !== null) {
    if (pages >= PAGE_LIMIT) throw new ProviderError('error', `listing managed zone ${zone.id} did not end after ${pages} pages`);
    const request: GetRecordsRequest = query;
    let answer: unknown[];
    try {
      // With autoPaginate off the SDK answers [records, nextQuery, apiResponse].
      answer = (await client.call('resourceRecordSets.list', (dns) => dns.zone(zone.id).getRecords(request))) as unknown[];
    } catch (error) {
      const failure = describeCloudDnsError(error, 'resourceRecordSets.list');
      throw new ProviderError(failure.kind, `reading managed zone ${zone.id} (${zone.name}): ${failure.message}`);
    }
    pages += 1;
    const [records, next, response] = answer as [CloudDnsRecord[] | undefined, GetRecordsRequest | null | undefined, unknown];
    // Cloud DNS always answers a listing with its `kind`; a 200 without it is some other page (a
    // proxy's, an empty body) and taking it for "no records" would plan creates that then fail.
    if (!Array.isArray(records) || !isListResponse(response)) {
      throw new ProviderError(
        'error',
        `reading managed zone ${zone.id} (${zone.name}): Cloud DNS answered the listing with something that is not a resourceRecordSets.list response`,
      );
    }
    for (const record of records) {
      const rrset = record.metadata as StoredRrset;
      found.get(fromCloudDnsName(rrset.name))?.push(rrset);
    }
    query = next ?? null;
  }
  const states = new Map<string, NameState>();
  for (const [name, rrsets] of found) states.set(name, nameStateOf(rrsets));
  return { states, pages };
}

function isListResponse(response: unknown): boolean {
  return typeof response === 'object' && response !== null && (response as { kind?: unknown }).kind === 'dns#resourceRecordSetsListResponse';
}
