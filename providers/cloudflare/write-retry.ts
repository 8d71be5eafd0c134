import { setTimeout as sleep } from 'node:timers/promises';
import { APIError } from 'cloudflare';
import { backoffCeiling } from '../../src/lib/backoff.js';
import { retryAfterMs } from '../../src/lib/retry-after.js';
import { MAX_HONOURED_RETRY_AFTER_MS } from './client.js';

/** Times a write refused with 429 is sent again. */
export const WRITE_RETRIES = 4;
/** Wait before a retry when a 429 carries no Retry-After (doubling each time). */
const FALLBACK_WAIT_MS = 1_000;

/** Per-request option for writes: the SDK must not resend them (see below). */
export const NO_SDK_RETRY = { maxRetries: 0 } as const;

/**
 * Sends a write, resending it only after a 429. A 429 means Cloudflare did not carry the request
 * out, so resending is safe; after a timeout, a dropped connection or a 5xx it may have been
 * carried out, and resending (as the SDK would) could turn an applied change into a misleading
 * error (a second DELETE answers "record does not exist"). Those are left to the caller to
 * report as "could not confirm".
 */
export async function sendWrite<T>(send: () => Promise<T>, wait: (ms: number) => Promise<unknown> = sleep): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof APIError) || error.status !== 429 || attempt >= WRITE_RETRIES) throw error;
      const asked = retryAfterMs(error.headers);
      if (asked !== undefined && asked > MAX_HONOURED_RETRY_AFTER_MS) throw error;
      await wait(asked ?? backoffCeiling(attempt, FALLBACK_WAIT_MS));
    }
  }
}
