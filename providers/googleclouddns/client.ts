import { DNS, type DNSOptions } from '@google-cloud/dns';
import type { Logger } from 'pino';
import { callWithRetries, type RetryPolicy } from '../../src/lib/call-retry.js';
import { describeCloudDnsError, type CloudDnsMethod } from './errors.js';
import type { GoogleCloudDnsSettings } from './settings.js';

type Interceptor = DNS['interceptors'][number];

/** Timing knobs; production uses the defaults, tests may shrink them. Not part of the config. */
export interface CloudDnsTuning {
  readonly retry: RetryPolicy;
  /** One HTTP request without an answer after this long fails (a write is then "could not confirm"). */
  readonly requestTimeoutMs: number;
  /** Waiting for a change to be `done`: first poll delay (doubled up to 5 s) and the bound on the wait. */
  readonly donePollDelayMs: number;
  readonly doneMaxWaitMs: number;
}

export const DEFAULT_TUNING: CloudDnsTuning = {
  // Cloud DNS quotas are per minute; a burst that hits one clears within seconds.
  retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 20_000 },
  requestTimeoutMs: 30_000,
  // A change is usually `done` within a few seconds.
  donePollDelayMs: 500,
  doneMaxWaitMs: 60_000,
};

/** The SDK client and the one way the adapter calls it: classified, retried as the method allows. */
export interface CloudDnsClient {
  readonly dns: DNS;
  call<T>(method: CloudDnsMethod, request: () => Promise<T>): Promise<T>;
}

export function createCloudDnsClient(settings: GoogleCloudDnsSettings, tuning: CloudDnsTuning, logger: Logger): CloudDnsClient {
  // `timeout` is read by the SDK's base Service, though DNSOptions does not declare it.
  const options: DNSOptions & { readonly timeout: number } = {
    projectId: settings.project,
    timeout: tuning.requestTimeoutMs,
    ...(settings.credentialsFile !== undefined ? { keyFilename: settings.credentialsFile } : {}),
    // The SDK takes a host (with port) and always speaks https to it.
    ...(settings.endpoint !== undefined ? { apiEndpoint: new URL(settings.endpoint).host } : {}),
  };
  const dns = new DNS(options);
  // The SDK would retry 429s and 5xx itself, changes.create included: a write repeated after a
  // 5xx could replay a change that landed. The adapter retries instead (`call`), and only what is
  // safe to repeat. (Requests that got no answer at all are still retried by the SDK; see apply.)
  dns.interceptors.push({ request: (request) => Object.assign(request, { maxRetries: 0 }) as ReturnType<Interceptor['request']> });
  return {
    dns,
    call<T>(method: CloudDnsMethod, request: () => Promise<T>): Promise<T> {
      return callWithRetries(request, (error) => describeCloudDnsError(error, method), {
        write: method === 'changes.create',
        policy: tuning.retry,
        events: {
          onRetry: (attempt, delayMs, error) =>
            logger.debug({ method, attempt, delayMs, reason: describeCloudDnsError(error, method).message }, 'Cloud DNS call failed; retrying'),
        },
      });
    },
  };
}
