/**
 * Caps the number of exchanges in flight. The core resolves thousands of targets at once; without
 * a cap a large config would overrun the server's receive buffer (drops → timeouts) and, over TCP,
 * the file-descriptor limit. Waiting in the queue does not count against a query's timeout: the
 * timer starts with the send.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const wait = this.acquire();
    if (wait) await wait;
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /**
   * Takes a slot: undefined when one was free (taken at once, nothing to await), else a promise
   * that resolves once a slot is handed over. Every acquire must be followed by one release().
   */
  acquire(): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.active++;
      return undefined;
    }
    return new Promise<void>((start) => this.waiting.push(start)); // the slot is handed over, not re-counted
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.head++;
      // Compact now and then instead of shift() per release, which is O(n) on a long queue.
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else {
      this.active--;
    }
  }
}
