/**
 * Rounds for one provider, one at a time. Keys requested while a round runs are merged into the
 * next round, so records that fall due together — or a full reconcile arriving meanwhile —
 * share one read and one write per zone, and two rounds never write to one provider at once.
 */
export class Lane<K> {
  readonly #pending = new Set<K>();
  #waiters: Array<() => void> = [];
  #running: Promise<void> | undefined;
  #runningSince: number | undefined;
  #closed = false;

  constructor(
    private readonly execute: (keys: readonly K[]) => Promise<void>,
    private readonly now: () => number,
  ) {}

  /** Resolves once a round that includes every one of `keys` has finished (or the lane closed). */
  request(keys: Iterable<K>): Promise<void> {
    if (this.#closed) return Promise.resolve();
    for (const key of keys) this.#pending.add(key);
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#running ??= this.#drain();
    return done;
  }

  /** Start time of the round in progress (as `now` reads it: the scheduler passes a monotonic clock), if any. */
  get runningSince(): number | undefined {
    return this.#runningSince;
  }

  /** Drops rounds not yet started; resolves when the one in progress (if any) has finished. */
  close(): Promise<void> {
    this.#closed = true;
    this.#pending.clear();
    return this.#running ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0 && !this.#closed) {
      const keys = [...this.#pending];
      this.#pending.clear();
      const waiters = this.#waiters;
      this.#waiters = [];
      this.#runningSince = this.now();
      try {
        await this.execute(keys);
      } catch {
        // execute reports its own failures; a lane must keep serving the next round.
      } finally {
        this.#runningSince = undefined;
        for (const resolve of waiters) resolve();
      }
    }
    // Closed with requests left over: release whoever waits on them.
    for (const resolve of this.#waiters.splice(0)) resolve();
    this.#running = undefined;
  }
}
