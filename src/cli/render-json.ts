import type { Change, RecordSet } from '../model.js';
import { summarize, type RoundReport } from '../sync/report.js';

/** `--output json` (README.md, Commands): one document, stable field names. */
export function renderRoundJson(report: RoundReport): string {
  const document = {
    records: report.records.map((r) => ({
      name: r.name,
      provider: r.provider,
      zone: r.zone,
      target: r.target,
      status: r.status,
      changes: r.changes.map(jsonChange),
      outcome: r.outcome,
      error: r.error === null ? null : { stage: r.error.stage, kind: r.error.kind, message: r.error.message },
      ...(r.hints.length > 0 ? { hints: r.hints } : {}),
      ...(r.served ? { served: r.served } : {}),
    })),
    summary: summarize(report),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function jsonChange(c: Change): { family: string; action: string; before: JsonSet | null; after: JsonSet | null } {
  return { family: c.family, action: c.action, before: jsonSet(c.before), after: jsonSet(c.after) };
}

type JsonSet = { ttl: number; values: string[] };
function jsonSet(set: RecordSet | null): JsonSet | null {
  return set === null ? null : { ttl: set.ttl, values: [...set.values] };
}
