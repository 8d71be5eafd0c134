import Cloudflare from 'cloudflare';
import type { Logger } from 'pino';
import type { RateLimiter } from '../../src/lib/rate-limit.js';
import { retryAfterMs } from '../../src/lib/retry-after.js';
import type { CloudflareSettings } from './settings.js';
import { pacerForToken } from './pacer.js';

export const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4';

/**
 * Retries of idempotent requests (reads) by the SDK: connection errors, 408/409/429/5xx, obeying
 * Retry-After. Writes are sent with no SDK retry (see `write-retry.ts`).
 */
export const READ_RETRIES = 4;

/**
 * The longest Retry-After a round waits for. Cloudflare blocks an over-limit token for five
 * minutes; waiting that long inside a cron job helps nobody, so such a 429 fails the round's
 * calls at once ("rate-limit", retried by the next round) instead of hanging.
 */
export const MAX_HONOURED_RETRY_AFTER_MS = 60_000;

/**
 * The official SDK client for one provider instance. Only what `settings` says is used: the SDK's
 * own environment fallbacks (CLOUDFLARE_BASE_URL, CLOUDFLARE_API_KEY, CLOUDFLARE_EMAIL, …) are
 * switched off, because the config is the single source of settings.
 */
export function createCloudflareClient(settings: CloudflareSettings, logger: Logger): Cloudflare {
  const token = settings.apiToken.reveal();
  return new Cloudflare({
    apiToken: token,
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: settings.baseUrl ?? DEFAULT_BASE_URL,
    maxRetries: READ_RETRIES,
    timeout: settings.timeoutMs,
    fetch: pacedFetch(pacerForToken(token), globalThis.fetch),
    logger: sdkLogger(logger),
    logLevel: sdkLogLevel(logger),
  });
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Every HTTP request the SDK sends (retries included) passes the token's pacer. A 429 holds the
 * whole token for its Retry-After; one longer than a round should wait is marked
 * `x-should-retry: false` so the SDK gives up at once instead of sleeping for minutes.
 */
export function pacedFetch(pacer: RateLimiter, send: Fetch, now: () => number = Date.now): Fetch {
  return async (input, init) => {
    await pacer.acquire();
    const response = await send(input, init);
    if (response.status !== 429) return response;
    const waitMs = retryAfterMs(response.headers, now());
    if (waitMs !== undefined && waitMs <= MAX_HONOURED_RETRY_AFTER_MS) {
      pacer.holdFor(waitMs);
      return response;
    }
    if (waitMs === undefined) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

type SdkLogFn = (message: string, ...rest: unknown[]) => void;

/**
 * The SDK logs every request at `info`; in apexsync that is debug detail, so each SDK level is
 * written one level lower. The SDK masks the Authorization header itself.
 */
function sdkLogger(logger: Logger): { error: SdkLogFn; warn: SdkLogFn; info: SdkLogFn; debug: SdkLogFn } {
  const bridge =
    (write: (obj: object, msg: string) => void): SdkLogFn =>
    (message, ...rest) =>
      write(rest.length > 0 ? { sdk: rest } : {}, message);
  return {
    error: bridge((o, m) => logger.error(o, m)),
    warn: bridge((o, m) => logger.warn(o, m)),
    info: bridge((o, m) => logger.debug(o, m)),
    debug: bridge((o, m) => logger.trace(o, m)),
  };
}

function sdkLogLevel(logger: Logger): 'off' | 'error' | 'warn' | 'info' | 'debug' {
  if (logger.isLevelEnabled('trace')) return 'debug';
  if (logger.isLevelEnabled('debug')) return 'info';
  if (logger.isLevelEnabled('warn')) return 'warn';
  if (logger.isLevelEnabled('error')) return 'error';
  return 'off';
}
