import type Cloudflare from 'cloudflare';
import type { Logger } from 'pino';
import { mapLimit } from '../../src/lib/concurrency.js';
import { listRecords } from './envelope.js';
import { groupByName, type ExistingAtName, type ListedRecord } from './records.js';

/**
 * Page size when listing a whole zone. The API allows far more; 5 000 keeps one response at a
 * couple of megabytes while reading most zones in a single call.
 */
export const ZONE_PAGE_SIZE = 5_000;
/** Page size when listing the records at one exact name (a name rarely holds more than a few). */
export const NAME_PAGE_SIZE = 100;
/** Per-name listings in flight at once (the pacer still counts every one). */
const NAME_CONCURRENCY = 8;

/**
 * The records at `names` in one zone, in as few calls as possible:
 * - one name: a listing filtered by `name.exact` (one call);
 * - several names: a listing of the whole zone, unless its first page shows that the remaining
 *   pages would cost more calls than one filtered listing per name, in which case it switches.
 * Every page must be the v4 envelope (see `envelope.ts`): anything else fails the read, so a
 * proxy's page answered with 200 is never taken for "no records here".
 */
export async function readExisting(client: Cloudflare, zoneId: string, zone: string, names: readonly string[], logger: Logger): Promise<Map<string, ExistingAtName>> {
  const onInvalid = (record: ListedRecord) => logger.warn({ zone, name: record.name, type: record.type, id: record.id }, 'ignoring a record whose content is not an address');
  if (names.length === 0) return new Map();
  if (names.length === 1) {
    const records = await listAtName(client, zoneId, names[0]!);
    return groupByName(records, names, zone, onInvalid);
  }
  const first = await listRecords(client, { zone_id: zoneId, per_page: ZONE_PAGE_SIZE });
  const totalPages = pageInfo(first).total_pages;
  if (totalPages !== undefined && totalPages - 1 > names.length) {
    const perName = await mapLimit(names, NAME_CONCURRENCY, (name) => listAtName(client, zoneId, name));
    return groupByName(perName.flat(), names, zone, onInvalid);
  }
  const records = await collectPages(first);
  return groupByName(records, names, zone, onInvalid);
}

function listAtName(client: Cloudflare, zoneId: string, name: string): Promise<ListedRecord[]> {
  // No type filter: the CNAME (or NS) that makes the name a conflict must be seen too.
  return listRecords(client, { zone_id: zoneId, name: { exact: name }, per_page: NAME_PAGE_SIZE }).then(collectPages);
}

interface PageInfo {
  page?: number;
  per_page?: number;
  total_pages?: number;
}

/** The shape of an SDK page (V4PagePaginationArray) that the pagination below relies on. */
interface Page<T> {
  result: T[];
  result_info: PageInfo;
  getNextPage(): Promise<Page<T>>;
}

function pageInfo(page: { result_info: PageInfo }): PageInfo {
  return page.result_info;
}

/**
 * Every item of a page-based listing. The SDK's own iterator stops only on an empty page, which
 * costs one extra call per listing; the v4 envelope says where the end is (`result_info`), so the
 * last page is recognised from it: fewer items than the page size the server used, or the page
 * number reaching `total_pages`. An empty page still ends it, whatever `result_info` says.
 */
export async function collectPages<T>(first: Page<T>): Promise<T[]> {
  let page = first;
  const items = [...page.result];
  while (!isLastPage(page)) {
    page = await page.getNextPage();
    items.push(...page.result);
  }
  return items;
}

function isLastPage(page: Page<unknown>): boolean {
  const info = pageInfo(page);
  if (page.result.length === 0) return true;
  if (info.per_page !== undefined && page.result.length < info.per_page) return true;
  return info.total_pages !== undefined && info.page !== undefined && info.page >= info.total_pages;
}
