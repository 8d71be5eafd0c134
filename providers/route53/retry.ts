import type { Route53ClientConfig } from '@aws-sdk/client-route-53';
import { backoffCeiling } from '../../src/lib/backoff.js';

/** The SDK's retry-strategy interface (v2), taken from the client's own config type. */
type RetryStrategyV2 = Extract<NonNullable<Route53ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];
export type RetryErrorType = RetryErrorInfo['errorType'];

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** Which error classes are retried. Writes retry only throttling (see `createRoute53Clients`). */
  readonly retryOn: readonly RetryErrorType[];
  /** Backoff base for throttling errors (ms); doubled per retry, with full jitter. */
  readonly throttlingBaseDelayMs: number;
  /** Backoff base for transient errors (ms). */
  readonly transientBaseDelayMs: number;
  /** Upper bound of one backoff delay (ms). */
  readonly maxDelayMs: number;
  /** Called before each retry (for logs and counters). */
  readonly onRetry?: (errorType: RetryErrorType, attempt: number, delayMs: number) => void;
}

class Token implements RetryToken {
  constructor(
    private readonly retryCount: number,
    private readonly delayMs: number,
  ) {}
  getRetryCount(): number {
    return this.retryCount;
  }
  getRetryDelay(): number {
    return this.delayMs;
  }
}

/**
 * Exponential backoff with full jitter (`random × min(base × 2^n, max)`), as the SDK's standard
 * mode does, but with the classes of errors to retry chosen per client and the delays configurable,
 * so tests can run a throttling storm in milliseconds. A `retry-after` hint from the service wins
 * when it asks for longer. No retry quota: the pacer already keeps the request rate down.
 */
export class BackoffRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new Token(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const retries = token.getRetryCount();
    if (!this.policy.retryOn.includes(errorInfo.errorType) || retries + 1 >= this.policy.maxAttempts) {
      throw new Error('no retry');
    }
    const base = errorInfo.errorType === 'THROTTLING' ? this.policy.throttlingBaseDelayMs : this.policy.transientBaseDelayMs;
    let delayMs = this.random() * backoffCeiling(retries, base, this.policy.maxDelayMs);
    if (errorInfo.retryAfterHint !== undefined) {
      delayMs = Math.max(delayMs, Math.min(errorInfo.retryAfterHint.getTime() - Date.now(), this.policy.maxDelayMs));
    }
    this.policy.onRetry?.(errorInfo.errorType, retries + 2, delayMs);
    return new Token(retries + 1, Math.round(delayMs));
  }

  recordSuccess(): void {}
}
