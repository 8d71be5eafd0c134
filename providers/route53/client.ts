import { Route53Client, type Route53ClientConfig } from '@aws-sdk/client-route-53';
import type { Logger } from 'pino';
import type { Route53Settings } from './settings.js';
import { BackoffRetryStrategy, type RetryErrorType } from './retry.js';
import type { Route53Tuning } from './tuning.js';

/**
 * Two clients on the same credentials: reads retry throttling and transient failures; writes
 * retry only throttling (Throttling, PriorRequestNotComplete), which Route 53 sends before doing
 * anything. Retrying a write after a timeout or a 5xx could replay a batch that was applied, and
 * its DELETE(old) would then fail as if someone else had edited the records.
 */
export interface Route53Clients {
  readonly read: Route53Client;
  readonly write: Route53Client;
  /** Retries made so far by both clients, by error class (for logs and tests). */
  readonly retries: Readonly<Record<RetryErrorType, number>>;
  destroy(): void;
}

export function createRoute53Clients(settings: Route53Settings, tuning: Route53Tuning, logger: Logger): Route53Clients {
  const retries: Record<RetryErrorType, number> = { THROTTLING: 0, TRANSIENT: 0, SERVER_ERROR: 0, CLIENT_ERROR: 0 };
  const onRetry = (errorType: RetryErrorType, attempt: number, delayMs: number): void => {
    retries[errorType] += 1;
    logger.debug({ errorType, attempt, delayMs: Math.round(delayMs) }, 'Route 53 call failed; retrying');
  };
  const policy = {
    maxAttempts: tuning.maxAttempts,
    throttlingBaseDelayMs: tuning.throttlingBaseDelayMs,
    transientBaseDelayMs: tuning.transientBaseDelayMs,
    maxDelayMs: tuning.maxRetryDelayMs,
    onRetry,
  };
  const common: Route53ClientConfig = {
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    maxAttempts: tuning.maxAttempts,
    requestHandler: {
      requestTimeout: tuning.requestTimeoutMs,
      connectionTimeout: tuning.connectionTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
  // Credentials come from the standard chain (env, shared profile, SSO, web identity, container
  // and instance roles); the write client reuses the read client's memoised provider.
  const read = new Route53Client({
    ...common,
    ...(settings.profile !== undefined ? { profile: settings.profile } : {}),
    retryStrategy: new BackoffRetryStrategy({ ...policy, retryOn: ['THROTTLING', 'TRANSIENT', 'SERVER_ERROR'] }),
  });
  const write = new Route53Client({
    ...common,
    credentials: read.config.credentials,
    retryStrategy: new BackoffRetryStrategy({ ...policy, retryOn: ['THROTTLING'] }),
  });
  for (const client of [read, write]) addPacing(client, tuning);
  return {
    read,
    write,
    retries,
    destroy: () => {
      read.destroy();
      write.destroy();
    },
  };
}

/**
 * Every attempt waits for the pacer: the middleware sits inside the retry loop, so retries are
 * paced too, and just before signing, so a long wait in the queue cannot age a signature.
 */
function addPacing(client: Route53Client, tuning: Route53Tuning): void {
  const paced =
    <Args, Result>(next: (args: Args) => Promise<Result>) =>
    async (args: Args): Promise<Result> => {
      await tuning.pacer.acquire();
      return next(args);
    };
  client.middlewareStack.addRelativeTo(paced, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'apexsyncRoute53Pacer' });
}
