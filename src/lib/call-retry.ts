import { backoffCeiling } from './backoff.js';

/**
 * Retries of one provider API call, for adapters whose SDK retry is switched off so that the
 * adapter decides what is safe to repeat: a read may be repeated after any transient failure; a
 * write only after a refusal that proves nothing was applied (a rate limit). Repeating a write
 * whose answer was lost could replay a change that landed, and its compare-and-swap would then
 * fail as if someone else had edited the records.
 */
export interface CallFailure {
  /** Retrying may help: rate limited, a 5xx, a connection that failed. */
  readonly retryable: boolean;
  /** Only these may be retried for a write: the service refused before doing anything. */
  readonly refusedBeforeApplying: boolean;
  /** The service asked to wait this long (Retry-After), in ms. */
  readonly retryAfterMs?: number | undefined;
}

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** Backoff base (ms), doubled per retry, with full jitter. */
  readonly baseDelayMs: number;
  /** Upper bound of one wait (ms), Retry-After included. */
  readonly maxDelayMs: number;
}

/** Thrown when one attempt has not settled in time (`code` ETIMEDOUT: it may have been sent). */
export class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no answer within ${Math.round(ms / 1000)} s`);
  }
}

export interface RetryEvents {
  /** Called before each retry (for logs and counters). */
  onRetry?(attempt: number, delayMs: number, error: unknown): void;
}

export async function callWithRetries<T>(
  call: () => Promise<T>,
  classify: (error: unknown) => CallFailure,
  options: {
    readonly write: boolean;
    readonly policy: RetryPolicy;
    /** A bound on each attempt, for SDKs that can hang without ever settling. */
    readonly attemptTimeoutMs?: number;
    readonly events?: RetryEvents;
    readonly random?: () => number;
  },
): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await (options.attemptTimeoutMs === undefined ? call() : withDeadline(call(), options.attemptTimeoutMs));
    } catch (error) {
      const failure = classify(error);
      const mayRetry = options.write ? failure.refusedBeforeApplying : failure.retryable;
      if (!mayRetry || attempt >= options.policy.maxAttempts) throw error;
      const backoff = random() * backoffCeiling(attempt - 1, options.policy.baseDelayMs, options.policy.maxDelayMs);
      const delayMs = Math.round(Math.min(Math.max(backoff, failure.retryAfterMs ?? 0), options.policy.maxDelayMs));
      options.events?.onRetry?.(attempt + 1, delayMs, error);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeoutError(ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
