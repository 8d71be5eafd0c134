import { DnsManagementClient } from '@azure/arm-dns';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Logger } from 'pino';
import { callWithRetries, type RetryPolicy } from '../../src/lib/call-retry.js';
import { describeAzureDnsError, type AzureDnsOperation } from './errors.js';
import type { AzureDnsSettings } from './settings.js';

/** Timing knobs; production uses the defaults, tests may shrink them. Not part of the config. */
export interface AzureDnsTuning {
  readonly retry: RetryPolicy;
  /** One attempt (token included) without an answer after this long fails; a write is then "could not confirm". */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_TUNING: AzureDnsTuning = {
  // Resource Manager throttles per identity and says how long to wait (Retry-After); the cap keeps one round bounded.
  retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 },
  // The SDK's pipeline sets no request timeout of its own.
  attemptTimeoutMs: 60_000,
};

/** The SDK client and the one way the adapter calls it: classified, retried as the operation allows. */
export interface AzureDnsClient {
  readonly dns: DnsManagementClient;
  call<T>(operation: AzureDnsOperation, request: () => Promise<T>): Promise<T>;
}

export function createAzureDnsClient(settings: AzureDnsSettings, tuning: AzureDnsTuning, logger: Logger): AzureDnsClient {
  const dns = new DnsManagementClient(credentialOf(settings), settings.subscriptionId, {
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    // The SDK's pipeline would retry 5xx and dropped connections for every method, PUT and
    // DELETE included: a write repeated after its answer was lost could replay a change that
    // landed. The adapter retries instead (`call`), and only what is safe to repeat.
    retryOptions: { maxRetries: 0 },
  });
  return {
    dns,
    call<T>(operation: AzureDnsOperation, request: () => Promise<T>): Promise<T> {
      return callWithRetries(request, (error) => describeAzureDnsError(error, operation), {
        write: operation === 'recordSets.createOrUpdate' || operation === 'recordSets.delete',
        policy: tuning.retry,
        attemptTimeoutMs: tuning.attemptTimeoutMs,
        events: {
          onRetry: (attempt, delayMs, error) =>
            logger.debug({ operation, attempt, delayMs, reason: describeAzureDnsError(error, operation).message }, 'Azure DNS call failed; retrying'),
        },
      });
    },
  };
}

/**
 * A client secret from the config, else DefaultAzureCredential (environment, workload identity,
 * managed identity, Azure CLI, …). With a custom authority (a sovereign or private cloud),
 * instance discovery against the public cloud is switched off: it would not know that authority.
 */
function credentialOf(settings: AzureDnsSettings): TokenCredential {
  const authority = settings.authorityHost !== undefined ? { authorityHost: settings.authorityHost, disableInstanceDiscovery: true } : {};
  if (settings.clientSecret !== undefined && settings.tenantId !== undefined && settings.clientId !== undefined) {
    return new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret.reveal(), authority);
  }
  return new DefaultAzureCredential({
    ...authority,
    ...(settings.tenantId !== undefined ? { tenantId: settings.tenantId } : {}),
    ...(settings.clientId !== undefined ? { managedIdentityClientId: settings.clientId, workloadIdentityClientId: settings.clientId } : {}),
  });
}
