/**
 * Expiry for exchanges that all share one timeout, with one timer instead of one per exchange.
 * With a single timeout, deadlines come due in the order the exchanges were added, so a FIFO
 * queue is enough: settled entries are dropped lazily from its head, and the one timer is armed
 * for whichever entry is at the head. The timer is referenced (it keeps the process alive while
 * an exchange waits for its answer) and exists only while the queue holds an unsettled entry.
 */
export class DeadlineQueue<T> {
  private readonly items: T[] = [];
  private readonly deadlines: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly isSettled: (item: T) => boolean,
    private readonly expire: (item: T) => void,
  ) {}

  add(item: T): void {
    this.items.push(item);
    this.deadlines.push(performance.now() + this.timeoutMs);
    this.timer ??= setTimeout(this.onTimer, this.timeoutMs);
  }

  /** Call after an entry settled: drops settled entries from the head, and the timer with the last. */
  trim(): void {
    while (this.head < this.items.length && this.isSettled(this.items[this.head]!)) this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.deadlines.length = 0;
      this.head = 0;
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      // Compact now and then instead of shift() per entry, which is O(n) on a long queue.
      this.items.splice(0, this.head);
      this.deadlines.splice(0, this.head);
      this.head = 0;
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    // Timers may fire a little before performance.now() reaches the deadline: 1 ms of slack.
    const now = performance.now() + 1;
    while (this.head < this.items.length && this.deadlines[this.head]! <= now) {
      const item = this.items[this.head]!;
      this.head++;
      if (!this.isSettled(item)) this.expire(item);
    }
    this.trim();
    if (this.head < this.items.length && this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, Math.max(1, this.deadlines[this.head]! - performance.now()));
    }
  };
}
