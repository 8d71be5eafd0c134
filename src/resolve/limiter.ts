/**
 * Caps the number of exchanges in flight. The core resolves thousands of targets at once; one
 * socket per query is what keeps source ports random, so without a cap a large config would run
 * into the file-descriptor limit and overrun the server's receive buffer (drops → timeouts).
 * Waiting in the queue does not count against a query's timeout: the timer starts with the send.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((start) => this.waiting.push(start)); // the slot is handed over, not re-counted
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
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
