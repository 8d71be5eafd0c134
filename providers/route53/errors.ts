import type { FailureKind } from '../../src/model.js';
import { firstLine } from '../../src/lib/errors.js';
import { wasNeverSent } from '../../src/lib/network.js';

/** The Route 53 API calls the adapter makes; each needs the IAM action of the same name. */
export type Route53Operation = 'ListHostedZonesByName' | 'GetHostedZone' | 'ListResourceRecordSets' | 'ChangeResourceRecordSets' | 'GetChange';

/** What went wrong with one call, in words for the operator. */
export interface Route53Failure {
  readonly kind: FailureKind;
  readonly message: string;
  /**
   * The request may have reached Route 53 and been acted on: a timeout or reset after sending, a
   * 5xx, or a 2xx whose answer could not be read.
   */
  readonly maybeApplied: boolean;
}

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown; readonly attempts?: unknown };
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'PriorRequestNotComplete', 'TooManyRequestsException', 'RequestLimitExceeded']);
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'InvalidAccessKeyId',
]);

/**
 * Classifies an error thrown by the SDK for `operation`. Messages never carry credentials: the
 * SDK's own messages don't, and the only request data quoted is Route 53's reply.
 */
export function describeRoute53Error(error: unknown, operation: Route53Operation): Route53Failure {
  const fields: ErrorFields = typeof error === 'object' && error !== null ? error : {};
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const text = firstLine(typeof fields.message === 'string' ? fields.message : String(error));
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const status = typeof fields.$metadata?.httpStatusCode === 'number' ? fields.$metadata.httpStatusCode : undefined;
  const attempts = typeof fields.$metadata?.attempts === 'number' ? fields.$metadata.attempts : undefined;
  const action = `route53:${operation}`;

  if (status !== undefined && status >= 200 && status < 300) {
    // A success status means the request was received and acted on; only the answer was lost
    // (cut mid-body, a reset after the headers, a body the XML parser rejects). For a write that
    // is "could not confirm", never "not applied": the change may well be in the zone.
    return { kind: 'unconfirmed', message: `Route 53 answered ${operation} with HTTP ${status}, but the answer could not be read (${name}: ${text})`, maybeApplied: true };
  }
  if (name === 'CredentialsProviderError') {
    return notSent('auth', `no AWS credentials found (environment, shared config profile, SSO, web identity, container or instance role): ${text}`);
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || (status === 403 && !BAD_CREDENTIALS.has(name))) {
    return notSent('auth', `the AWS credentials may not call ${action} (add it to the IAM policy; see docs/providers/route53.md): ${text}`);
  }
  if (BAD_CREDENTIALS.has(name)) return notSent('auth', `AWS rejected the credentials (${name}): ${text}`);
  if (THROTTLING.has(name) || status === 429) {
    const tries = attempts !== undefined ? ` after ${attempts} attempts` : '';
    return notSent('rate-limit', `Route 53 is still throttling ${operation} (${name})${tries}; the next round tries again`);
  }
  if (name === 'NoSuchHostedZone') return notSent('not-found', `the hosted zone does not exist or is not visible to these credentials: ${text}`);
  if (name === 'InvalidChangeBatch' || name === 'InvalidInput') return notSent('rejected', `Route 53 refused the request (${name}): ${text}`);
  if (status !== undefined) {
    // Route 53 answered: a 4xx refused the call; a 5xx may or may not have been acted on.
    return { kind: 'error', message: `Route 53 ${operation} failed (${name}, HTTP ${status}): ${text}`, maybeApplied: status >= 500 };
  }
  if (wasNeverSent(error) || /did not establish a connection/.test(text)) {
    return notSent('unreachable', `cannot reach Route 53 (${code ?? name}): ${text}`);
  }
  return { kind: 'unreachable', message: `no answer from Route 53 to ${operation} (${code ?? name}): ${text}`, maybeApplied: true };
}

function notSent(kind: FailureKind, message: string): Route53Failure {
  return { kind, message, maybeApplied: false };
}
