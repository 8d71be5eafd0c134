import type { FailureKind } from '../../src/model.js';
import type { CallFailure } from '../../src/lib/call-retry.js';
import { firstLine } from '../../src/lib/errors.js';
import { networkErrorCode, wasNeverSent } from '../../src/lib/network.js';
import { retryAfterMs } from '../../src/lib/retry-after.js';

/** The Azure DNS operations the adapter calls, each with the Azure RBAC action it needs. */
export const ACTION = {
  'zones.list': 'Microsoft.Network/dnsZones/read',
  'zones.get': 'Microsoft.Network/dnsZones/read',
  'recordSets.list': 'Microsoft.Network/dnsZones/recordsets/read',
  'recordSets.get': 'Microsoft.Network/dnsZones/recordsets/read',
  'recordSets.createOrUpdate': 'Microsoft.Network/dnsZones/A/write (AAAA/write)',
  'recordSets.delete': 'Microsoft.Network/dnsZones/A/delete (AAAA/delete)',
} as const;
export type AzureDnsOperation = keyof typeof ACTION;

export interface AzureDnsFailure extends CallFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The request may have reached Azure and been acted on. */
  readonly maybeApplied: boolean;
  readonly status?: number | undefined;
}

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly response?: { readonly headers?: { get?(name: string): string | undefined } };
}

/** The wait a throttled answer asks for, in ms. */
function retryAfterOf(fields: ErrorFields): number | undefined {
  const headers = fields.response?.headers;
  const get = headers?.get;
  return get === undefined ? undefined : retryAfterMs({ get: (name) => get.call(headers, name) });
}

/**
 * Classifies what the SDK threw for `operation`: a RestError carries Resource Manager's status
 * and error code; the identity library's errors say why no token could be had.
 */
export function describeAzureDnsError(error: unknown, operation: AzureDnsOperation): AzureDnsFailure {
  const fields: ErrorFields = typeof error === 'object' && error !== null ? error : {};
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const text = firstLine(typeof fields.message === 'string' ? fields.message : String(error));
  const notSent = (kind: FailureKind, message: string): AzureDnsFailure => ({ kind, message, maybeApplied: false, retryable: false, refusedBeforeApplying: false });
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
    return notSent('auth', `no Azure credentials found (clientSecret in the config, environment, workload identity, managed identity, Azure CLI): ${text}`);
  }
  if (name === 'AuthenticationError' || name === 'AuthenticationRequiredError') {
    // Entra's answer is long (timestamps, trace ids); its AADSTS sentence is what an operator needs.
    const reason = /AADSTS\d+:[^.]*\./.exec(text)?.[0] ?? text;
    return notSent('auth', `Microsoft Entra ID refused the credentials (check tenantId, clientId, clientSecret): ${reason}`);
  }
  const status = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  if (status !== undefined) {
    const base = { status, maybeApplied: false, retryable: false, refusedBeforeApplying: false };
    const label = `${code ?? 'HTTP'} ${status}`;
    if (status === 429) {
      return {
        ...base,
        kind: 'rate-limit',
        message: `Azure Resource Manager is throttling ${operation} (${label}); the next round tries again`,
        retryable: true,
        refusedBeforeApplying: true,
        retryAfterMs: retryAfterOf(fields),
      };
    }
    if (status === 401) return { ...base, kind: 'auth', message: `Azure rejected the access token (${label}): ${text}` };
    if (status === 403) {
      return {
        ...base,
        kind: 'auth',
        message: `the Azure identity may not call ${operation}: it needs ${ACTION[operation]} on the zone (see docs/providers/azuredns.md): ${text}`,
      };
    }
    if (status === 404) return { ...base, kind: 'not-found', message: `Azure DNS ${operation}: not found (${label}): ${text}` };
    if (status === 409 || status === 412) return { ...base, kind: 'conflict', message: `${label}: ${text}` };
    if (status >= 400 && status < 500) return { ...base, kind: 'rejected', message: `Azure DNS refused ${operation} (${label}): ${text}` };
    return { ...base, kind: 'error', message: `Azure DNS ${operation} failed (${label}): ${text}`, maybeApplied: true, retryable: true, retryAfterMs: retryAfterOf(fields) };
  }
  const networkCode = networkErrorCode(error);
  if (wasNeverSent(error)) {
    return {
      kind: 'unreachable',
      message: `cannot reach Azure Resource Manager (${networkCode ?? 'network'}): ${text}`,
      maybeApplied: false,
      retryable: true,
      refusedBeforeApplying: true,
    };
  }
  if (networkCode === undefined && code === undefined) {
    return { kind: 'error', message: `Azure DNS ${operation} failed (${name}): ${text}`, maybeApplied: true, retryable: false, refusedBeforeApplying: false };
  }
  return {
    kind: 'unreachable',
    message: `no answer from Azure Resource Manager to ${operation} (${networkCode ?? code ?? name}): ${text}`,
    maybeApplied: true,
    retryable: true,
    refusedBeforeApplying: false,
  };
}
