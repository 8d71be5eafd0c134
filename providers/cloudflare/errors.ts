import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'cloudflare';
import type { ApplyOutcome, FailureKind } from '../../src/model.js';
import { networkErrorCode, wasNeverSent } from '../../src/lib/network.js';
import { retryAfterMs } from '../../src/lib/retry-after.js';
import { failedOutcome, ProviderError } from '../types.js';

/** What a failed call was for: it decides which token permission a 401/403 points at. */
export type CallPurpose = 'zone-lookup' | 'read' | 'write';

export interface CallFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The request may have reached Cloudflare and been carried out (timeout, 5xx, dropped connection). */
  readonly maybeApplied: boolean;
}

/**
 * Cloudflare error codes that mean "the zone changed since it was read": the record is gone,
 * or an identical / clashing record is already there.
 */
const CONFLICT_CODES = new Set([81044, 81053, 81057, 81058]);
/** Codes for a token that is invalid or badly formed (sent with 400 as well as 401/403). */
const AUTH_CODES = new Set([6003, 6111, 9106, 9109]);

const PERMISSION: Record<CallPurpose, (zone: string) => string> = {
  'zone-lookup': () => 'Zone → Zone → Read (to find the zone by name; or set zoneId in the provider settings)',
  read: (zone) => `Zone → DNS → Read (or Edit) on zone ${zone}`,
  write: (zone) => `Zone → DNS → Edit on zone ${zone}`,
};

/** Classifies an error thrown by the SDK, in words for the operator. Never includes the token. */
export function classifyFailure(error: unknown, purpose: CallPurpose, zone: string): CallFailure {
  if (error instanceof APIConnectionTimeoutError) {
    return { kind: 'timeout', message: `Cloudflare did not answer in time (${describePurpose(purpose, zone)})`, maybeApplied: true };
  }
  if (error instanceof APIConnectionError) {
    const code = networkErrorCode(error);
    return { kind: 'unreachable', message: `cannot reach the Cloudflare API${code ? ` (${code})` : ''}`, maybeApplied: !wasNeverSent(error) };
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const codes = apiErrorCodes(error);
    const detail = describeApiError(error);
    if (status === 401 || status === 403 || codes.some((c) => AUTH_CODES.has(c))) {
      return { kind: 'auth', message: `Cloudflare refused the API token (${detail}): the token needs the permission ${PERMISSION[purpose](zone)}`, maybeApplied: false };
    }
    if (status === 429) {
      const wait = retryAfterMs(error.headers);
      const after = wait === undefined ? '' : `, retry after ${Math.ceil(wait / 1000)} s`;
      return { kind: 'rate-limit', message: `rate limited by Cloudflare (${detail}${after})`, maybeApplied: false };
    }
    if (status >= 500) return { kind: 'unreachable', message: `Cloudflare API error (${detail})`, maybeApplied: true };
    if (codes.some((c) => CONFLICT_CODES.has(c))) {
      return { kind: 'conflict', message: `the records changed since they were read (${detail})`, maybeApplied: false };
    }
    return { kind: 'rejected', message: `Cloudflare refused the request (${detail})`, maybeApplied: false };
  }
  return { kind: 'error', message: error instanceof Error ? error.message : String(error), maybeApplied: true };
}

/** The outcome of a write that failed as `failure` describes. */
export function failedWriteOutcome(failure: CallFailure, prefix = ''): ApplyOutcome {
  return failedOutcome({ ...failure, message: `${prefix}${failure.message}` });
}

/** A read or lookup failure as the ProviderError the core expects. */
export function readError(error: unknown, purpose: CallPurpose, zone: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = classifyFailure(error, purpose, zone);
  return new ProviderError(failure.kind, failure.message, failure.maybeApplied);
}

/** Codes of "no such route" answers (7000 no route for that URI, 7003 could not route). */
const NO_ROUTE_CODES = new Set([7000, 7003]);

/**
 * True when the endpoint itself does not exist here (used for the batch route): a 404/405/501
 * whose error codes, if any, are routing codes. A 404 carrying a record error (81044 inside a
 * batch) is an answer from the endpoint, not its absence.
 */
export function isMissingEndpoint(error: unknown): boolean {
  if (!(error instanceof APIError) || !(error.status === 404 || error.status === 405 || error.status === 501)) return false;
  return apiErrorCodes(error).every((code) => NO_ROUTE_CODES.has(code));
}

/** Replaces every occurrence of `secret` in `text`: a second net should an API ever echo it. */
export function withoutSecret(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join('[redacted]') : text;
}

function describePurpose(purpose: CallPurpose, zone: string): string {
  return purpose === 'zone-lookup' ? 'zone lookup' : `${purpose} of zone ${zone}`;
}

function apiErrorCodes(error: APIError): number[] {
  return error.errors.map((e) => e.code).filter((c): c is number => typeof c === 'number');
}

/** "HTTP 400: 81044 Record does not exist.; …" from the v4 envelope's errors[]. */
function describeApiError(error: APIError): string {
  const items = error.errors.map((e) => [e.code, e.message].filter((part) => part !== undefined && part !== '').join(' ')).filter((s) => s !== '');
  const status = error.status === undefined ? 'no status' : `HTTP ${error.status}`;
  return items.length > 0 ? `${status}: ${items.join('; ')}` : status;
}
