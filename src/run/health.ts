/** What /readyz knows about one record. */
export interface RecordHealth {
  readonly name: string;
  readonly provider: string;
  readonly target: string;
  readonly lastSuccessAt: number | undefined;
  /** Why the latest round failed (cleared by a success). */
  readonly lastError: { readonly stage: string; readonly message: string } | undefined;
  /** When the scheduler looks at it next (the status page). */
  readonly nextCheckAt?: number;
  /** A round for it is queued or running. */
  readonly checking?: boolean;
}

export interface StaleRecord {
  readonly record: string;
  readonly provider: string;
  readonly target: string;
  readonly lastSuccess: string | null;
  readonly reason: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly records: number;
  readonly staleAfterSeconds: number;
  /** How many records are stale; `stale` lists the first MAX_STALE_LISTED of them. */
  readonly staleCount: number;
  readonly stale: readonly StaleRecord[];
}

/**
 * Stale records listed in /readyz. Until the first round ends every record is stale, and a probe
 * every few seconds made a 1.2 MB body each time for 10 000 records; a hundred names
 * say what is wrong as well as ten thousand.
 */
export const MAX_STALE_LISTED = 100;

/**
 * Ready while every record had a successful round within `staleAfterMs`. A record that never
 * succeeded is not ready: until then nobody knows the published records are right.
 */
export function readiness(records: readonly RecordHealth[], now: number, staleAfterMs: number): Readiness {
  const stale: StaleRecord[] = [];
  let staleCount = 0;
  for (const r of records) {
    if (r.lastSuccessAt !== undefined && now - r.lastSuccessAt <= staleAfterMs) continue;
    if (++staleCount > MAX_STALE_LISTED) continue;
    const since = r.lastSuccessAt === undefined ? 'no successful round yet' : `no successful round for ${Math.round((now - r.lastSuccessAt) / 1000)}s`;
    stale.push({
      record: r.name,
      provider: r.provider,
      target: r.target,
      lastSuccess: r.lastSuccessAt === undefined ? null : new Date(r.lastSuccessAt).toISOString(),
      reason: r.lastError ? `${since}; last error at ${r.lastError.stage}: ${r.lastError.message}` : since,
    });
  }
  return { ready: staleCount === 0, records: records.length, staleAfterSeconds: staleAfterMs / 1000, staleCount, stale };
}
