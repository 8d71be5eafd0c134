/**
 * Client-side pacing for Route 53, whose API allows 5 requests per second per AWS account, shared
 * by everything that account runs. A token bucket: `take()` resolves when a token is available,
 * in call order, so concurrent callers queue instead of bursting into Throttling errors.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  readonly ratePerSecond: number;
  /** Tokens the bucket holds at most (the largest burst). */
  readonly capacity: number;
  readonly clock?: Clock;
}

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedAt: number;
  /** Callers wait in line: each `take` chains on the previous one, so tokens go out in order. */
  #queue: Promise<void> = Promise.resolve();
  #granted = 0;

  constructor(options: TokenBucketOptions) {
    this.#ratePerMs = options.ratePerSecond / 1000;
    this.#capacity = options.capacity;
    this.#clock = options.clock ?? realClock;
    this.#tokens = options.capacity;
    this.#updatedAt = this.#clock.now();
  }

  /** Tokens handed out so far (for tests and diagnostics). */
  get granted(): number {
    return this.#granted;
  }

  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#takeWhenAvailable());
    this.#queue = turn;
    return turn;
  }

  async #takeWhenAvailable(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#granted += 1;
        return;
      }
      await this.#clock.sleep(Math.ceil((1 - this.#tokens) / this.#ratePerMs));
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#ratePerMs);
    this.#updatedAt = now;
  }
}

/**
 * The process-wide pacer every Route 53 provider instance sends through: 4 requests per second
 * sustained with no burst beyond one, so the account stays under its limit of 5 however many
 * zones and provider instances a config has, with a little room for other tools in the account.
 */
export const route53Pacer = new TokenBucket({ ratePerSecond: 4, capacity: 1 });
