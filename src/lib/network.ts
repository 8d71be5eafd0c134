/**
 * Socket error codes that prove a request never left this machine (no connection was made, the
 * name did not resolve): a write that failed with one of these was not applied. Any other failure
 * after a request was started may have reached the server.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error code of `error` or of its `cause` chain, if any. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when the error proves the request was never sent. */
export function wasNeverSent(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && NEVER_SENT.has(code);
}
