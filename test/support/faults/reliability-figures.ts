/**
 * What each part of the reliability suite reports, and the summary over all parts. Kept apart
 * from the ledger so the global teardown (reliability-summary.ts) can read it without vitest's
 * test-side API.
 */

/** A fault whose check did not hold: where, which case, and the first line of what failed. */
export interface FaultFailure {
  readonly area: string;
  readonly label: string;
  /** Faults this check covered. */
  readonly count: number;
  readonly message: string;
}

/** What one part writes for the summary (reliability-summary.ts reads it back). */
export interface PartFigures {
  readonly part: string;
  readonly faultsInjected: number;
  readonly faultsSurvived: number;
  readonly failures: readonly FaultFailure[];
  readonly recordsLost: number;
  readonly secretsPlanted: number;
  readonly secretsLeaked: number;
  readonly badConfigs: number;
  readonly badConfigsRejectedCleanly: number;
  readonly outputsScanned: number;
  readonly faultsByArea: Readonly<Record<string, number>>;
}

/** The one summary line, then one line per failed fault check. */
export function summaryLines(figures: readonly PartFigures[]): string[] {
  const sum = (pick: (f: PartFigures) => number): number => figures.reduce((total, f) => total + pick(f), 0);
  const failures = figures.flatMap((f) => f.failures);
  const failed = sum((f) => f.faultsInjected - f.faultsSurvived);
  const line =
    `reliability: ${sum((f) => f.faultsInjected)} faults injected, ${sum((f) => f.faultsSurvived)} survived, ${failed} failed, ` +
    `${sum((f) => f.recordsLost)} records lost, ${sum((f) => f.secretsLeaked)} secrets leaked, ${sum((f) => f.badConfigsRejectedCleanly)} bad configs rejected cleanly`;
  // A check cut off by a test timeout never reports back: counted as failed, listed as unfinished.
  const unfinished = failed - failures.reduce((total, f) => total + f.count, 0);
  return [
    line,
    ...failures.map((f) => `  FAILED ${f.label}${f.count > 1 ? ` (${f.count} faults)` : ''}: ${f.message}`),
    ...(unfinished > 0 ? [`  FAILED ${unfinished} fault check(s) that never finished (test timeout)`] : []),
  ];
}
