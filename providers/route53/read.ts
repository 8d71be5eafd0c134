import { ListResourceRecordSetsCommand, type ResourceRecordSet, type Route53Client, type RRType } from '@aws-sdk/client-route-53';
import { ProviderError } from '../types.js';
import { describeRoute53Error } from './errors.js';
import { compareListingOrder, fromRoute53Name } from './names.js';
import { nameStateOf, type NameState } from './record-sets.js';
import type { HostedZoneRef } from './zones.js';

/** The most record sets Route 53 returns per ListResourceRecordSets page. */
export const RECORD_SETS_PER_PAGE = 300;
/** A listing that needs more pages than this is a server bug (a cursor that does not advance). */
const PAGE_LIMIT = 10_000;

export interface ZoneReading {
  readonly states: Map<string, NameState>;
  /** ListResourceRecordSets calls made. */
  readonly pages: number;
}

interface Cursor {
  readonly name: string;
  readonly type?: RRType | undefined;
  readonly identifier?: string | undefined;
}

/**
 * Reads the record sets at `names` in as few ListResourceRecordSets calls as the API allows.
 *
 * Route 53 lists a zone in one order (names with labels reversed, then type) from any starting
 * name, 300 record sets per page. So the names are visited in that order: a page that starts at
 * the first unread name also covers every managed name that follows within those 300 sets; when
 * the next unread name lies beyond the page, the listing jumps straight to it instead of paging
 * through the records between. That never costs more calls than one listing per name, nor more
 * than listing the whole zone (ceil(count / 300)): each call starts at or after the point where a
 * full listing's next page would start. A name whose sets straddle a page boundary is continued
 * with the cursor Route 53 returned (NextRecordName/Type/Identifier).
 */
export async function readZoneNames(client: Route53Client, zone: HostedZoneRef, names: readonly string[]): Promise<ZoneReading> {
  const found = new Map<string, ResourceRecordSet[]>(names.map((name) => [name, []]));
  const unread = [...found.keys()].sort(compareListingOrder);
  let cursor: Cursor | undefined;
  let pages = 0;
  while (unread[0] !== undefined) {
    const start: Cursor = cursor ?? { name: unread[0] };
    if (pages >= PAGE_LIMIT) throw new ProviderError('error', `listing hosted zone ${zone.id} did not end after ${pages} pages`);
    const page = await listPage(client, zone, start);
    pages += 1;
    // Route 53 always sends both elements (an empty list as <ResourceRecordSets/>). Without them
    // the 200 carried some other page (a proxy's HTML, an empty body), which the SDK parses into
    // an empty answer: taking it for "no records" would plan creates that then fail as conflicts.
    if (page.IsTruncated === undefined || page.ResourceRecordSets === undefined) {
      throw new ProviderError('error', `reading hosted zone ${zone.name} (${zone.id}): Route 53 answered the listing with something that is not a ListResourceRecordSets response`);
    }
    for (const recordSet of page.ResourceRecordSets) {
      found.get(fromRoute53Name(recordSet.Name ?? ''))?.push(recordSet);
    }
    // Not truncated: everything from `start` to the end of the zone has been listed.
    if (page.IsTruncated !== true || page.NextRecordName === undefined) break;
    const next = fromRoute53Name(page.NextRecordName);
    while (unread[0] !== undefined && compareListingOrder(unread[0], next) < 0) unread.shift();
    cursor = unread[0] === next ? { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier } : undefined;
  }
  const states = new Map<string, NameState>();
  for (const [name, recordSets] of found) states.set(name, nameStateOf(recordSets));
  return { states, pages };
}

async function listPage(client: Route53Client, zone: HostedZoneRef, start: Cursor) {
  try {
    return await client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        StartRecordName: start.name,
        StartRecordType: start.type,
        StartRecordIdentifier: start.identifier,
        MaxItems: RECORD_SETS_PER_PAGE,
      }),
    );
  } catch (error) {
    const failure = describeRoute53Error(error, 'ListResourceRecordSets');
    throw new ProviderError(failure.kind, `reading hosted zone ${zone.name} (${zone.id}): ${failure.message}`);
  }
}
