import type Cloudflare from 'cloudflare';
import { V4PagePaginationArray, type PagePromise } from 'cloudflare/pagination';
import type { RecordListParams, RecordResponse } from 'cloudflare/resources/dns/records';
import type { Zone, ZoneListParams } from 'cloudflare/resources/zones/zones';
import { ProviderError } from '../types.js';

/**
 * Why a listing's answer is not the Cloudflare v4 envelope (`success: true`, `result` an array of
 * objects, `result_info` an object), or undefined when it is. The SDK hands over whatever came
 * back with a 2xx status: a string for an HTML or text body, any JSON otherwise, and its pages
 * read a missing `result` as an empty one. An empty page read from a proxy's error page would
 * say "there are no records here", and records would be created beside the real ones.
 */
export function listingEnvelopeProblem(body: unknown): string | undefined {
  if (typeof body === 'string') return 'the body is not JSON';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not a JSON object';
  const envelope = body as { success?: unknown; result?: unknown; result_info?: unknown };
  if (envelope.success !== true) return '"success" is not true';
  if (!Array.isArray(envelope.result)) return '"result" is not an array';
  if (envelope.result.some((item) => typeof item !== 'object' || item === null)) return '"result" holds something that is not an object';
  if (typeof envelope.result_info !== 'object' || envelope.result_info === null) return '"result_info" is missing';
  return undefined;
}

/**
 * A page of a page-based v4 listing that refuses to exist unless its answer is the v4 envelope:
 * the check runs on the raw body of every page (`getNextPage` builds the next one with this
 * class too), and the failure rejects the listing call. Not retried: a 200 is not a transient
 * failure the SDK knows about, and the next round reads again.
 */
export class EnvelopePage<Item> extends V4PagePaginationArray<Item> {
  constructor(...args: ConstructorParameters<typeof V4PagePaginationArray<Item>>) {
    const [client, response, body, options] = args;
    const problem = listingEnvelopeProblem(body);
    if (problem !== undefined) {
      const type = response.headers.get('content-type') ?? 'no content-type';
      throw new ProviderError(
        'unreachable',
        `Cloudflare's answer to a listing was not the API's JSON envelope (HTTP ${response.status}, ${type}: ${problem}); nothing was written`,
      );
    }
    super(client, response, body, options);
  }
}

/** `GET /zones/:id/dns_records` (as `client.dns.records.list`), every page checked. */
export function listRecords(client: Cloudflare, params: RecordListParams): PagePromise<EnvelopePage<RecordResponse>, RecordResponse> {
  const { zone_id, ...query } = params;
  return client.getAPIList(`/zones/${encodeURIComponent(zone_id)}/dns_records`, EnvelopePage<RecordResponse>, { query });
}

/** `GET /zones` (as `client.zones.list`), every page checked. */
export function listZones(client: Cloudflare, query: ZoneListParams): PagePromise<EnvelopePage<Zone>, Zone> {
  return client.getAPIList('/zones', EnvelopePage<Zone>, { query });
}
