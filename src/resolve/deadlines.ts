/** What the queue needs of an entry: its deadline, whether it settled, and a link it owns. */
export interface Expiring<T> {
  /** A performance.now() value. */
  readonly deadline: number;
  readonly settled: boolean;
  /** The entry added after this one; the queue's business. */
  nextToExpire: T | undefined;
}

/**
 * Expiry for exchanges that all share one timeout, with one timer instead of one per exchange.
 * With a single timeout, deadlines come due in the order the entries were added, so a FIFO is
 * enough: a list linked through the entries themselves (no array to grow, compact or re-type),
 * from which settled entries are dropped lazily at the head, and one timer armed for whichever
 * entry is at the head. The timer is referenced (it keeps the process alive while an exchange
 * waits for its answer) and exists only while the queue holds an unsettled entry.
 */
export class DeadlineQueue<T extends Expiring<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly expire: (entry: T) => void) {}

  /** `entry.deadline` must not be earlier than that of any entry added before. */
  add(entry: T): void {
    entry.nextToExpire = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.nextToExpire = entry;
    this.tail = entry;
    this.timer ??= setTimeout(this.onTimer, Math.max(1, entry.deadline - performance.now()));
  }

  /** Call after an entry settled: drops settled entries from the head, and the timer with the last. */
  trim(): void {
    let head = this.head;
    while (head?.settled) head = head.nextToExpire;
    this.head = head;
    if (head === undefined) {
      this.tail = undefined;
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    // Timers may fire a little before performance.now() reaches the deadline: 1 ms of slack.
    const now = performance.now() + 1;
    for (let entry = this.head; entry !== undefined && entry.deadline <= now; entry = this.head) {
      this.head = entry.nextToExpire;
      if (this.head === undefined) this.tail = undefined;
      if (!entry.settled) this.expire(entry);
    }
    this.trim();
    if (this.head !== undefined && this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, Math.max(1, this.head.deadline - performance.now()));
    }
  };
}
