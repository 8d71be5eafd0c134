import type { RecordSet as AzureRecordSet } from '@azure/arm-dns';
import { ProviderError } from '../types.js';
import type { AzureDnsClient } from './client.js';
import { describeAzureDnsError } from './errors.js';
import { ownerOf } from './names.js';
import { readAllPages } from './pages.js';
import { nameStateOf, type NameState } from './record-sets.js';

export interface ZoneReading {
  readonly states: ReadonlyMap<string, NameState>;
  /** Listing pages fetched. */
  readonly pages: number;
}

/** Reads the record sets at `names` with one listing of the zone (ETags included), page by page. */
export async function readZoneNames(client: AzureDnsClient, resourceGroup: string, zone: string, names: readonly string[]): Promise<ZoneReading> {
  const found = new Map<string, AzureRecordSet[]>(names.map((name) => [name, []]));
  const { items, pages } = await readAllPages(
    // Without `$top` the API sends its documented page of 100 record sets; a larger page size is
    // not documented, and a refused listing would stop every round.
    () => client.dns.recordSets.listByDnsZone(resourceGroup, zone),
    async (call) => {
      try {
        return await client.call('recordSets.list', call);
      } catch (error) {
        const failure = describeAzureDnsError(error, 'recordSets.list');
        throw new ProviderError(failure.kind, `reading DNS zone ${zone}: ${failure.message}`);
      }
    },
    `DNS zone ${zone}`,
  );
  for (const recordSet of items) {
    const owner = ownerOf(recordSet, zone);
    if (owner !== undefined) found.get(owner)?.push(recordSet);
  }
  const states = new Map<string, NameState>();
  for (const [name, recordSets] of found) states.set(name, nameStateOf(recordSets));
  return { states, pages };
}
