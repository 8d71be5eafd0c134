import type { FailureKind } from '../../src/model.js';
import type { CallFailure } from '../../src/lib/call-retry.js';
import { firstLine } from '../../src/lib/errors.js';
import { networkErrorCode, wasNeverSent } from '../../src/lib/network.js';

/** The Cloud DNS API methods the adapter calls, each with the IAM permission it needs. */
export const PERMISSION = {
  'managedZones.list': 'dns.managedZones.list',
  'managedZones.get': 'dns.managedZones.get',
  'resourceRecordSets.list': 'dns.resourceRecordSets.list',
  'changes.create': 'dns.changes.create',
  'changes.get': 'dns.changes.get',
} as const;
export type CloudDnsMethod = keyof typeof PERMISSION;

/** What went wrong with one call, in words for the operator, never with a credential in it. */
export interface CloudDnsFailure extends CallFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The request may have reached Cloud DNS and been acted on. */
  readonly maybeApplied: boolean;
  /** HTTP status of Cloud DNS's answer, when there was one. */
  readonly status?: number | undefined;
  /** The `reason` of the first entry of the error envelope's `errors` (e.g. conditionNotMet). */
  readonly reason?: string | undefined;
}

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly errors?: unknown;
  readonly response?: { readonly status?: unknown; readonly statusCode?: unknown; readonly data?: unknown };
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'RATE_LIMIT_EXCEEDED']);

function reasonOf(errors: unknown): string | undefined {
  if (!Array.isArray(errors)) return undefined;
  const first: unknown = errors[0];
  const reason = typeof first === 'object' && first !== null ? (first as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

/** An OAuth error body from the token endpoint (`{"error": "invalid_grant", ...}`). */
function oauthErrorOf(fields: ErrorFields): string | undefined {
  const data = fields.response?.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  return typeof error === 'string' ? error : undefined;
}

/**
 * Classifies what the SDK threw for `method`. The SDK's ApiError carries the HTTP status as a
 * number in `code` and the envelope's `errors[].reason`; the auth library's errors carry the
 * token endpoint's OAuth error; network errors carry a string code.
 */
export function describeCloudDnsError(error: unknown, method: CloudDnsMethod): CloudDnsFailure {
  const fields: ErrorFields = typeof error === 'object' && error !== null ? error : {};
  const text = firstLine(typeof fields.message === 'string' ? fields.message : String(error));
  if (fields.name === 'CredentialsFileError') return refused('auth', text);
  const oauthError = oauthErrorOf(fields);
  if (oauthError !== undefined) {
    return refused('auth', `Google refused the credentials at the token endpoint (${text}); check credentialsFile or Application Default Credentials`);
  }
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(text)) {
    return refused('auth', `no Google credentials found (credentialsFile, GOOGLE_APPLICATION_CREDENTIALS, gcloud application-default login, or the metadata server): ${text}`);
  }
  const localCode = networkErrorCode(error);
  if (fields.name === 'SyntaxError' || (localCode !== undefined && /^ERR_(OSSL|CRYPTO)_/.test(localCode))) {
    // The key could not be parsed or signed with: nothing was sent.
    return refused('auth', `the Google credentials cannot be used (a damaged service-account key?): ${localCode ?? 'SyntaxError'}: ${text}`);
  }
  const status = typeof fields.code === 'number' ? fields.code : typeof fields.response?.status === 'number' ? fields.response.status : undefined;
  const reason = reasonOf(fields.errors);
  if (status !== undefined) {
    const base = { status, reason, maybeApplied: false, retryable: false, refusedBeforeApplying: false };
    if (status === 429 || (reason !== undefined && RATE_LIMIT_REASONS.has(reason))) {
      return {
        ...base,
        kind: 'rate-limit',
        message: `Cloud DNS is rate limiting ${method} (${reason ?? `HTTP ${status}`}); the next round tries again`,
        retryable: true,
        refusedBeforeApplying: true,
      };
    }
    if (status === 401) return { ...base, kind: 'auth', message: `Cloud DNS rejected the credentials (HTTP 401): ${text}` };
    if (status === 403) {
      return {
        ...base,
        kind: 'auth',
        message: `the Google credentials may not call ${method}: they need the permission ${PERMISSION[method]} on the project (see docs/providers/googleclouddns.md): ${text}`,
      };
    }
    if (status === 404) return { ...base, kind: 'not-found', message: `Cloud DNS ${method}: not found (${text})` };
    if (status === 409 || status === 412) return { ...base, kind: 'conflict', message: text };
    if (status >= 400 && status < 500)
      return { ...base, kind: 'rejected', message: `Cloud DNS refused ${method} (HTTP ${status}${reason !== undefined ? `, ${reason}` : ''}): ${text}` };
    // A 5xx may or may not have been acted on.
    return { ...base, kind: 'error', message: `Cloud DNS ${method} failed (HTTP ${status}): ${text}`, maybeApplied: true, retryable: true };
  }
  const code = networkErrorCode(error);
  if (wasNeverSent(error)) {
    return { kind: 'unreachable', message: `cannot reach Cloud DNS (${code ?? 'network'}): ${text}`, maybeApplied: false, retryable: true, refusedBeforeApplying: true };
  }
  if (code === undefined) {
    // Not a network error and no HTTP answer: a bug or a local problem; do not retry it.
    return { kind: 'error', message: `Cloud DNS ${method} failed: ${text}`, maybeApplied: true, retryable: false, refusedBeforeApplying: false };
  }
  return { kind: 'unreachable', message: `no answer from Cloud DNS to ${method} (${code}): ${text}`, maybeApplied: true, retryable: true, refusedBeforeApplying: false };
}

function refused(kind: FailureKind, message: string): CloudDnsFailure {
  return { kind, message, maybeApplied: false, retryable: false, refusedBeforeApplying: false };
}
