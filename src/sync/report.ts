import type { ApplyOutcome, Change, Failure, Family, RecordSets, Stage } from '../model.js';
import type { FamilyResolution, HttpsResolution } from '../resolve/types.js';
import type { FamilyDecision } from '../plan/types.js';
import type { ServedReport } from '../verify/types.js';

export type RecordStatus = 'in-sync' | 'updated' | 'would-update' | 'failed';
export type { Stage };

/** The outcome of one record in one round: what the renderers (text, JSON, logs, metrics) show. */
export interface RecordReport {
  readonly name: string;
  readonly provider: string;
  readonly zone: string | null;
  readonly target: string;
  readonly status: RecordStatus;
  /** Changes planned (and, unless dry-run or failed to apply, sent). */
  readonly changes: readonly Change[];
  /** Per family, what the planner decided (empty when the record failed before planning). */
  readonly decisions: readonly FamilyDecision[];
  readonly outcome: ApplyOutcome | null;
  /** Why the record failed: where, what kind (as data, for metrics), in words. */
  readonly error: Failure | null;
  /** Advice from the provider about this record's target (see Provider.hintFor). */
  readonly hints: readonly string[];
  /** What the target resolved to this round, before any damping (the daemon schedules by its TTL). */
  readonly resolved?: Readonly<Partial<Record<Family, FamilyResolution>>>;
  /** The target's HTTPS RRset this round, for records that mirror it. */
  readonly resolvedHttps?: HttpsResolution;
  /** What the provider held when read (absent when the read failed). */
  readonly current?: RecordSets;
  /** What the zone's servers answer for it after the round (absent: not checked). */
  readonly served?: ServedReport;
}

export interface RoundReport {
  readonly dryRun: boolean;
  readonly records: readonly RecordReport[];
}

export interface RoundSummary {
  readonly records: number;
  readonly inSync: number;
  readonly updated: number;
  readonly wouldUpdate: number;
  readonly failed: number;
  readonly dryRun: boolean;
}

export function summarize(report: RoundReport): RoundSummary {
  const count = (status: RecordStatus): number => report.records.filter((r) => r.status === status).length;
  return {
    records: report.records.length,
    inSync: count('in-sync'),
    updated: count('updated'),
    wouldUpdate: count('would-update'),
    failed: count('failed'),
    dryRun: report.dryRun,
  };
}
