import { getContinuationToken } from '@azure/arm-dns';
import { ProviderError } from '../types.js';

/** What the SDK's list methods return: pages that can be resumed from a continuation token (a nextLink). */
interface Pager<T> {
  byPage(settings?: { continuationToken?: string }): AsyncIterableIterator<T[]>;
}

const PAGE_LIMIT = 10_000;

/**
 * Every item of a listing, one request per page following `nextLink`. Each page is its own
 * retryable call: the SDK's page iterator ends for good at its first error, so a retry resumes
 * from the page's continuation token instead.
 */
export async function readAllPages<T>(list: () => Pager<T>, send: (call: () => Promise<T[]>) => Promise<T[]>, what: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    if (pages >= PAGE_LIMIT) throw new ProviderError('error', `listing ${what} did not end after ${pages} pages`);
    const resumeFrom = token;
    const page = await send(async () => {
      const next = await list()
        .byPage(resumeFrom !== undefined ? { continuationToken: resumeFrom } : undefined)
        .next();
      return next.done === true ? [] : next.value;
    });
    pages += 1;
    items.push(...page);
    token = getContinuationToken(page);
  } while (token !== undefined);
  return { items, pages };
}
