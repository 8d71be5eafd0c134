import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Cloudflare allows 1 200 requests per 5 minutes per token; going over blocks the token for five
 * minutes. The pacer keeps a sliding window of the requests sent with one token and makes the
 * next one wait when the window is full, so apexsync never trips the limit by itself. The budget
 * is below 1 200 to leave room for other tools sharing the token.
 */
export const REQUESTS_PER_WINDOW = 1_100;
export const WINDOW_MS = 5 * 60_000;

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

export class RequestPacer {
  /** Send times inside the current window, oldest first. */
  readonly #sent: number[] = [];
  /** Until when the server asked everyone on this token to wait (a 429's Retry-After). */
  #blockedUntil = 0;
  /** Acquisitions are served one at a time, in order, so concurrent callers cannot overshoot. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number = REQUESTS_PER_WINDOW,
    readonly windowMs: number = WINDOW_MS,
    private readonly clock: PacerClock = realClock,
  ) {}

  /** Resolves when one more request may be sent now; counts it as sent. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#waitForRoom());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** The server said to wait until `until` (ms epoch): hold every request on this token until then. */
  blockUntil(until: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, until);
  }

  /** Requests counted in the window ending now. */
  inWindow(): number {
    this.#prune(this.clock.now());
    return this.#sent.length;
  }

  async #waitForRoom(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.#prune(now);
      const blockedFor = this.#blockedUntil - now;
      const oldest = this.#sent[0];
      const fullFor = this.#sent.length >= this.limit && oldest !== undefined ? oldest + this.windowMs - now : 0;
      const wait = Math.max(blockedFor, fullFor);
      if (wait <= 0) {
        this.#sent.push(now);
        return;
      }
      await this.clock.sleep(wait);
    }
  }

  #prune(now: number): void {
    while (this.#sent.length > 0 && this.#sent[0]! <= now - this.windowMs) this.#sent.shift();
  }
}

/** One pacer per token for the whole process (every provider instance sharing a token shares it). */
const pacers = new Map<string, RequestPacer>();

/** Keyed by a hash of the token, so the token text is never kept as a map key or logged. */
export function pacerForToken(token: string): RequestPacer {
  const key = createHash('sha256').update(token).digest('hex');
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new RequestPacer();
    pacers.set(key, pacer);
  }
  return pacer;
}
