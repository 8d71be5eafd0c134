import { systemClock, type Clock } from './clock.js';

/** At most `limit` requests in any `windowMs` (a sliding window). */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Client-side pacing for an API with a request budget: `acquire()` resolves when one more request
 * fits in the sliding window, in call order, so concurrent callers queue instead of bursting into
 * the service's own limit (and the errors or lock-outs that follow). `holdFor` holds every request
 * for a while, when the service has asked for that (a Retry-After). Time is monotonic: a step of
 * the wall clock neither frees nor blocks the budget.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** Grant times inside the current window, oldest first. */
  readonly #sent: number[] = [];
  #heldUntil = Number.NEGATIVE_INFINITY;
  /** Grants are served one at a time, in order, so concurrent callers cannot overshoot. */
  #queue: Promise<void> = Promise.resolve();
  #granted = 0;

  constructor(
    rate: RateLimit,
    private readonly clock: Pick<Clock, 'monotonic' | 'sleep'> = systemClock,
  ) {
    this.limit = rate.limit;
    this.windowMs = rate.windowMs;
  }

  /** Requests granted so far (for tests and diagnostics). */
  get granted(): number {
    return this.#granted;
  }

  /** Resolves when one more request may be sent now; counts it as sent. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#waitForRoom());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Holds every request for `ms` from now (longer holds win over shorter ones). */
  holdFor(ms: number): void {
    this.#heldUntil = Math.max(this.#heldUntil, this.clock.monotonic() + ms);
  }

  /** Requests counted in the window ending now. */
  inWindow(): number {
    this.#prune(this.clock.monotonic());
    return this.#sent.length;
  }

  async #waitForRoom(): Promise<void> {
    for (;;) {
      const now = this.clock.monotonic();
      this.#prune(now);
      const oldest = this.#sent[0];
      const fullFor = this.#sent.length >= this.limit && oldest !== undefined ? oldest + this.windowMs - now : 0;
      const wait = Math.max(this.#heldUntil - now, fullFor);
      if (wait <= 0) {
        this.#sent.push(now);
        this.#granted += 1;
        return;
      }
      await this.clock.sleep(wait);
    }
  }

  #prune(now: number): void {
    while (this.#sent.length > 0 && this.#sent[0]! <= now - this.windowMs) this.#sent.shift();
  }
}
