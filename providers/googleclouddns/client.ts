import { readFile } from 'node:fs/promises';
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
  call<T>(method: CloudDnsMethod, request: (dns: DNS) => Promise<T>): Promise<T>;
}

/** The credentials file could not be read or is not a JSON key: nothing was sent. */
export class CredentialsFileError extends Error {
  override readonly name = 'CredentialsFileError';
}

export function createCloudDnsClient(settings: GoogleCloudDnsSettings, tuning: CloudDnsTuning, logger: Logger): CloudDnsClient {
  let client: Promise<DNS> | undefined;
  // Built on first use, and again after a failure (a key file fixed while the daemon runs is picked up).
  const open = (): Promise<DNS> =>
    (client ??= buildClient(settings, tuning).catch((error: unknown) => {
      client = undefined;
      throw error;
    }));
  return {
    call<T>(method: CloudDnsMethod, request: (dns: DNS) => Promise<T>): Promise<T> {
      return callWithRetries(
        async () => request(await open()),
        (error) => describeCloudDnsError(error, method),
        {
          write: method === 'changes.create',
          policy: tuning.retry,
          // The SDK's own timeout covers the HTTP request; this bounds everything around it too.
          attemptTimeoutMs: tuning.requestTimeoutMs * 2,
          events: {
            onRetry: (attempt, delayMs, error) =>
              logger.debug({ method, attempt, delayMs, reason: describeCloudDnsError(error, method).message }, 'Cloud DNS call failed; retrying'),
          },
        },
      );
    },
  };
}

async function buildClient(settings: GoogleCloudDnsSettings, tuning: CloudDnsTuning): Promise<DNS> {
  // `timeout` is read by the SDK's base Service, though DNSOptions does not declare it.
  const options: DNSOptions & { readonly timeout: number } = {
    projectId: settings.project,
    timeout: tuning.requestTimeoutMs,
    ...(settings.credentialsFile !== undefined ? { credentials: await readCredentials(settings.credentialsFile) } : {}),
    // The SDK takes a host (with port) and always speaks https to it.
    ...(settings.endpoint !== undefined ? { apiEndpoint: new URL(settings.endpoint).host } : {}),
  };
  const dns = new DNS(options);
  // The SDK would retry 429s and 5xx itself, changes.create included: a write repeated after a
  // 5xx could replay a change that landed. The adapter retries instead (`call`), and only what is
  // safe to repeat. (Requests that got no answer at all are still retried by the SDK; see apply.)
  dns.interceptors.push({ request: (request) => Object.assign(request, { maxRetries: 0 }) as ReturnType<Interceptor['request']> });
  return dns;
}

/**
 * The key file, read and parsed here: the auth library, given a damaged file, can wait forever
 * instead of failing. Any credential type it knows (service account, workload identity
 * federation, authorized user) is passed on as is.
 */
async function readCredentials(file: string): Promise<NonNullable<DNSOptions['credentials']>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CredentialsFileError(`cannot read credentialsFile ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialsFileError(`credentialsFile ${file} is not JSON (expected a service-account key or another Google credentials file)`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { type?: unknown }).type !== 'string') {
    throw new CredentialsFileError(`credentialsFile ${file} has no "type" (expected a service-account key or another Google credentials file)`);
  }
  return parsed as NonNullable<DNSOptions['credentials']>;
}
