/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order.
 * A sliding window rather than batches: one slow call holds up one slot, not a whole batch. After
 * a call throws no further item is started (the result is a rejection either way, so the rest
 * would be work, and requests, for nothing).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
