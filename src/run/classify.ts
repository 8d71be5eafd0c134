import type { RecordReport } from '../sync/report.js';

/** Label values of apexsync_errors_total for a failed record: where it failed and what kind of failure. */
export interface ErrorLabels {
  readonly stage: string;
  readonly kind: string;
}

/**
 * The kind of a record's failure, for counting. Apply outcomes carry their kind; resolver and
 * provider failures reach the report as operator text, so they are sorted by the words they use
 * (the exact ProviderError kinds are also counted, per call, in apexsync_provider_call_duration_seconds).
 */
export function classifyFailure(report: RecordReport): ErrorLabels | undefined {
  if (report.status !== 'failed') return undefined;
  const error = report.error ?? { stage: 'plan', message: '' };
  const { stage, message } = error;
  if (stage === 'apply' && report.outcome) {
    if (report.outcome.status === 'not-applied') return { stage, kind: report.outcome.kind };
    if (report.outcome.status === 'unconfirmed') return { stage, kind: 'unconfirmed' };
  }
  if (stage === 'resolve') return { stage, kind: resolveKind(message) };
  if (stage === 'plan') return { stage, kind: planKind(message) };
  return { stage, kind: providerKind(message) };
}

function resolveKind(message: string): string {
  if (/\bSERVFAIL\b/.test(message)) return 'servfail';
  if (/\bREFUSED\b/.test(message)) return 'refused';
  if (/no answer|timed out|timeout/i.test(message)) return 'timeout';
  if (/CNAME|loop|hops/i.test(message)) return 'chain';
  return 'failure';
}

function planKind(message: string): string {
  if (/^conflict\b|will not overwrite/i.test(message)) return 'conflict';
  if (/special-purpose/.test(message)) return 'special-address';
  if (/has no (A|AAAA) address/.test(message)) return 'empty';
  if (/\bSERVFAIL\b|no answer|REFUSED/.test(message)) return 'resolve';
  return 'refused';
}

function providerKind(message: string): string {
  if (/rate.?limit|throttl|\b429\b|too many requests/i.test(message)) return 'rate-limit';
  if (/\b40[13]\b|auth|denied|forbidden|permission|credential|NOTAUTH|BADSIG|BADKEY/i.test(message)) return 'auth';
  if (/timed? ?out|unreachable|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|no answer/i.test(message)) return 'unreachable';
  return 'error';
}
