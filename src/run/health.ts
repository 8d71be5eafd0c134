import type { ServedReport } from '../verify/types.js';

/** What /readyz knows about one record. */
export interface RecordHealth {
  readonly name: string;
  readonly provider: string;
  readonly target: string;
  readonly lastSuccessAt: number | undefined;
  /** Why the latest round failed (cleared by a success). */
  readonly lastError: { readonly stage: string; readonly message: string } | undefined;
  /** What its zone's servers answered at its latest round (undefined: not checked). */
  readonly served?: ServedReport | undefined;
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
  /** Served state per status over every checked record. */
  readonly served: Readonly<Record<string, number>>;
  /** Records some server of their zone does not serve (not ready); the first MAX_STALE_LISTED of them. */
  readonly diverged: readonly DivergedRecord[];
}

export interface DivergedRecord {
  readonly record: string;
  readonly provider: string;
  readonly servers: ReadonlyArray<{ readonly server: string; readonly status: string; readonly values: Readonly<Record<string, readonly string[]>> }>;
}

/**
 * Stale records listed in /readyz. Until the first round ends every record is stale, and a probe
 * every few seconds made a 1.2 MB body each time for 10 000 records; a hundred names
 * say what is wrong as well as ten thousand.
 */
export const MAX_STALE_LISTED = 100;

/**
 * Ready while every record had a successful round within `staleAfterMs` and no record is served
 * diverged (some server of its zone answers something else). A record that never succeeded is
 * not ready: until then nobody knows the published records are right.
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
  const served: Record<string, number> = {};
  const diverged: DivergedRecord[] = [];
  let divergedCount = 0;
  for (const r of records) {
    if (r.served === undefined) continue;
    served[r.served.status] = (served[r.served.status] ?? 0) + 1;
    if (r.served.status !== 'diverged' || ++divergedCount > MAX_STALE_LISTED) continue;
    diverged.push({ record: r.name, provider: r.provider, servers: r.served.servers.filter((s) => s.status !== 'served') });
  }
  return { ready: staleCount === 0 && divergedCount === 0, records: records.length, staleAfterSeconds: staleAfterMs / 1000, staleCount, stale, served, diverged };
}
