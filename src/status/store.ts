import type { Change, Failure, RecordSet, RecordType } from '../model.js';
import type { ServedReport, ServedStatus } from '../verify/types.js';
import type { RecordHealth } from '../run/health.js';
import type { RecordReport, RoundReport } from '../sync/report.js';

/** Changes of the process kept for the status page. */
export const RECENT_CHANGES = 50;

/** `/status`: documented in docs/running.md ("Status page"). */
export interface StatusDocument {
  readonly generatedAt: string;
  readonly startedAt: string;
  readonly summary: { readonly records: number; readonly ok: number; readonly failing: number; readonly pending: number };
  readonly records: readonly RecordStatus[];
  readonly recentChanges: readonly RecentChange[];
}

export interface RecordStatus {
  readonly name: string;
  readonly provider: string;
  readonly zone: string | null;
  readonly target: string;
  /** ok: its latest round succeeded; failing: it failed; pending: no round has finished yet. */
  readonly state: 'ok' | 'failing' | 'pending';
  /** What the zone's servers answer, as of the latest round that checked (null before, or with verify off). */
  readonly served: { readonly status: ServedStatus; readonly servedBy: number; readonly servers: number } | null;
  /** What the provider publishes, as of the latest round that read it; null before that. */
  readonly published: { readonly A: RecordSet | null; readonly AAAA: RecordSet | null; readonly HTTPS: RecordSet | null } | null;
  readonly lastChange: { readonly at: string; readonly changes: readonly ChangeView[] } | null;
  readonly lastSuccess: string | null;
  /** When it is looked at next; null while a round for it is running. */
  readonly nextCheck: string | null;
  /** `kind` as in `sync --output json`; null when the round itself broke (a bug). */
  readonly error: { readonly stage: string; readonly kind: string | null; readonly message: string; readonly since: string } | null;
}

export interface ChangeView {
  readonly family: RecordType;
  readonly action: Change['action'];
  readonly before: RecordSet | null;
  readonly after: RecordSet | null;
}

export interface RecentChange extends ChangeView {
  readonly at: string;
  readonly name: string;
  readonly provider: string;
  readonly zone: string | null;
}

interface Seen {
  zone: string | null;
  published: { A: RecordSet | null; AAAA: RecordSet | null; HTTPS: RecordSet | null } | null;
  lastChange: { at: number; changes: readonly ChangeView[] } | null;
  failingSince: number | undefined;
  failure: Failure | null;
  served: ServedReport | null;
}

/**
 * What the status page shows beyond the scheduler's own state: per record its zone, what is
 * published and its last change, and the last changes of the process. Fed with every round's
 * report; holds a few small objects per record.
 */
export class StatusStore {
  readonly #seen = new Map<string, Seen>();
  readonly #recent: RecentChange[] = [];

  constructor(private readonly startedAt: number) {}

  observe(report: RoundReport, now: number): void {
    if (report.dryRun) return;
    for (const record of report.records) {
      const key = `${record.provider}/${record.name}`;
      const seen = this.#seen.get(key) ?? { zone: null, published: null, lastChange: null, failingSince: undefined, failure: null, served: null };
      this.#seen.set(key, seen);
      if (record.zone !== null) seen.zone = record.zone;
      if (record.current) seen.published = { A: record.current.A ?? null, AAAA: record.current.AAAA ?? null, HTTPS: record.current.HTTPS ?? null };
      seen.failingSince = record.status === 'failed' ? (seen.failingSince ?? now) : undefined;
      seen.failure = record.error;
      if (record.served !== undefined) seen.served = record.served;
      if (record.status === 'updated') this.#changed(record, seen, now);
    }
  }

  #changed(record: RecordReport, seen: Seen, now: number): void {
    const changes = record.changes.map((change): ChangeView => ({ family: change.family, action: change.action, before: change.before, after: change.after }));
    seen.lastChange = { at: now, changes };
    const published = { A: seen.published?.A ?? null, AAAA: seen.published?.AAAA ?? null, HTTPS: seen.published?.HTTPS ?? null };
    for (const change of changes) {
      published[change.family] = change.after;
      this.#recent.unshift({ at: new Date(now).toISOString(), name: record.name, provider: record.provider, zone: record.zone, ...change });
    }
    seen.published = published;
    this.#recent.length = Math.min(this.#recent.length, RECENT_CHANGES);
  }

  /** The page's data: the scheduler's records (in config order) with what this store saw of them. */
  document(records: readonly RecordHealth[], now: number): StatusDocument {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    let ok = 0;
    let failing = 0;
    const rows = records.map((health): RecordStatus => {
      const seen = this.#seen.get(`${health.provider}/${health.name}`);
      const state = health.lastError !== undefined ? 'failing' : health.lastSuccessAt !== undefined ? 'ok' : 'pending';
      if (state === 'ok') ok++;
      if (state === 'failing') failing++;
      return {
        name: health.name,
        provider: health.provider,
        zone: seen?.zone ?? null,
        target: health.target,
        state,
        served: seen?.served
          ? { status: seen.served.status, servedBy: seen.served.servers.filter((server) => server.status === 'served').length, servers: seen.served.servers.length }
          : null,
        published: seen?.published ?? null,
        lastChange: seen?.lastChange ? { at: iso(seen.lastChange.at)!, changes: seen.lastChange.changes } : null,
        lastSuccess: iso(health.lastSuccessAt),
        nextCheck: health.checking ? null : iso(health.nextCheckAt),
        error: health.lastError
          ? { stage: health.lastError.stage, kind: seen?.failure?.kind ?? null, message: health.lastError.message, since: iso(seen?.failingSince ?? now)! }
          : null,
      };
    });
    return {
      generatedAt: new Date(now).toISOString(),
      startedAt: new Date(this.startedAt).toISOString(),
      summary: { records: rows.length, ok, failing, pending: rows.length - ok - failing },
      records: rows,
      recentChanges: [...this.#recent],
    };
  }
}
