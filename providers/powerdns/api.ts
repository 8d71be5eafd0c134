import type { FailureKind } from '../../src/model.js';

/** What PowerDNS's API returned, or why no answer came; never throws. */
export type ApiResult = { readonly kind: 'ok'; readonly status: number; readonly body: unknown } | { readonly kind: 'failed'; readonly failure: ApiFailure };

export interface ApiFailure {
  readonly kind: FailureKind;
  /** One line, in words, with PowerDNS's own error text where it gave one. Never the key. */
  readonly message: string;
  /** The request may have reached PowerDNS and been carried out. */
  readonly maybeApplied: boolean;
}

export interface ApiEndpoint {
  /** `http://host:port/api/v1/servers/<id>` */
  readonly base: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  /** For messages: `PowerDNS at http://host:port`. */
  readonly label: string;
}

/** Connection failures that happen before anything is sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** One request to the API (X-API-Key), JSON in and out. `what` says what it was for, in messages. */
export async function callApi(endpoint: ApiEndpoint, method: 'GET' | 'PATCH', path: string, what: string, body?: unknown): Promise<ApiResult> {
  let response: Response;
  try {
    response = await fetch(`${endpoint.base}${path}`, {
      method,
      headers: { 'X-API-Key': endpoint.apiKey, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(endpoint.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    return { kind: 'failed', failure: transportFailure(error, endpoint, what) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { kind: 'failed', failure: transportFailure(error, endpoint, what) };
  }
  if (response.ok) {
    try {
      return { kind: 'ok', status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    } catch {
      return { kind: 'failed', failure: { kind: 'error', message: `${endpoint.label} sent an answer that is not JSON (${what})`, maybeApplied: method !== 'GET' } };
    }
  }
  return { kind: 'failed', failure: statusFailure(response.status, errorText(text), endpoint, what) };
}

function statusFailure(status: number, detail: string | undefined, endpoint: ApiEndpoint, what: string): ApiFailure {
  const said = detail === undefined ? `HTTP ${status}` : `HTTP ${status}: ${detail}`;
  if (status === 401 || status === 403) {
    return { kind: 'auth', message: `${endpoint.label} refused the API key (${said}): check apiKey against api-key in pdns.conf`, maybeApplied: false };
  }
  if (status === 404) return { kind: 'not-found', message: `${endpoint.label} has no ${what} (${said})`, maybeApplied: false };
  if (status === 422 || status === 400) return { kind: 'rejected', message: `${endpoint.label} refused ${what} (${said})`, maybeApplied: false };
  if (status === 429) return { kind: 'rate-limit', message: `${endpoint.label} is rate limiting (${said})`, maybeApplied: false };
  return { kind: 'error', message: `${endpoint.label} failed ${what} (${said})`, maybeApplied: status >= 500 };
}

function transportFailure(error: unknown, endpoint: ApiEndpoint, what: string): ApiFailure {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { kind: 'timeout', message: `${endpoint.label} did not answer within ${endpoint.timeoutMs} ms (${what})`, maybeApplied: true };
  }
  const { code, reason } = innermost(error);
  const sent = code === undefined || !NOT_SENT_CODES.has(code);
  return { kind: 'unreachable', message: `cannot reach ${endpoint.label} (${code ?? reason}; ${what})`, maybeApplied: sent };
}

/** fetch wraps the network error (`TypeError: fetch failed`); its cause says what happened. */
function innermost(error: unknown): { code: string | undefined; reason: string } {
  let reason = error instanceof Error ? error.message : String(error);
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return { code, reason: cause.message };
    reason = cause.message;
  }
  return { code: undefined, reason };
}

/** PowerDNS's `{"error": "..."}` as one printable line (it may quote what we sent). */
function errorText(text: string): string | undefined {
  let said: unknown;
  try {
    said = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    said = text;
  }
  if (typeof said !== 'string' || said.trim() === '') return undefined;
  // eslint-disable-next-line no-control-regex
  const line = said.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
