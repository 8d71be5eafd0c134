/**
 * The ceiling of exponential back-off: `baseMs` doubled per earlier attempt (`attempt` counts from
 * 0), never above `maxMs`. Callers draw their delay under it with the jitter that suits them:
 * full jitter (`random × ceiling`) spreads SDK retries; equal jitter (`ceiling/2 + random ×
 * ceiling/2`) keeps a failing record from coming back too soon while still spreading records that
 * failed together.
 */
export function backoffCeiling(attempt: number, baseMs: number, maxMs = Number.POSITIVE_INFINITY): number {
  // 2^30 × any useful base is already past every bound; the cap keeps the power finite.
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
}
