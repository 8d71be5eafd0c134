import type { Change, RecordSet } from '../model.js';
import { summarize, type RecordReport, type RoundReport } from '../sync/report.js';
import { describeServed } from '../verify/describe.js';

/** The plan as an operator reads it (README.md, Commands): one block per record, then a summary line. */
export function renderRoundText(report: RoundReport): string {
  const blocks = report.records.map((r) => renderRecord(r, report.dryRun));
  const s = summarize(report);
  const parts = [report.dryRun ? `${s.wouldUpdate} would update` : `${s.updated} updated`, `${s.inSync} in sync`, `${s.failed} failed`];
  const tail = report.dryRun ? ' (dry run: nothing was written)' : '';
  return `${blocks.join('\n')}\nSummary: ${parts.join(', ')}${tail}\n`;
}

function renderRecord(r: RecordReport, dryRun: boolean): string {
  const where = r.zone ? `${r.provider} · zone ${r.zone}` : r.provider;
  const lines = [`${r.name}  (${where})  ← ${r.target}`];
  for (const d of r.decisions) {
    if (d.kind === 'change') lines.push(`  ${renderChange(d.change)}`);
    else if (d.kind === 'failed') lines.push(`  ! ${d.family.padEnd(5)} ${d.reason}`);
  }
  // Failures the family lines do not already show: before planning (zone, read), while applying, or served.
  if (r.error && (r.decisions.length === 0 || r.error.stage === 'apply' || r.error.stage === 'verify')) lines.push(`  ! ${r.error.stage}: ${r.error.message}`);
  if (lines.length === 1) lines.push('  = unchanged');
  for (const hint of r.hints) lines.push(`  hint: ${hint}`);
  // What the servers answer, unless the verify failure above already said it.
  const served = r.served && r.error?.stage !== 'verify' ? describeServed(r.served) : undefined;
  if (r.outcome?.status === 'applied') lines.push(`  ✓ applied${r.outcome.detail ? ` (${r.outcome.detail})` : ''}${served ? ` · ${served}` : ''}`);
  else {
    if (dryRun && r.changes.length > 0) lines.push('  · not applied (dry run)');
    if (served) lines.push(`  · ${served}`);
  }
  return lines.join('\n');
}

/** HTTPS values in text: a long `ech` config list is shortened (JSON carries it whole). */
function shown(c: Change, values: readonly string[]): string[] {
  if (c.family !== 'HTTPS') return [...values];
  return values.map((value) => value.replace(/\bech=([A-Za-z0-9+/=]{24,})/g, (_m, ech: string) => `ech=${ech.slice(0, 12)}…(${Buffer.from(ech, 'base64').length} bytes)`));
}

function renderChange(c: Change): string {
  const family = c.family.padEnd(5);
  const before = c.before === null ? [] : shown(c, c.before.values);
  const after = c.after === null ? [] : shown(c, c.after.values);
  const list = c.family === 'HTTPS' ? ' | ' : ', ';
  switch (c.action) {
    case 'create':
      return `+ ${family} ${ttl(c.after)}  ${after.join(list)}`;
    case 'delete':
      return `- ${family} ${' '.repeat(5)}  ${before.join(list)}`;
    case 'update': {
      const sameValues = c.before.values.join() === c.after.values.join();
      const ttlText = c.before.ttl === c.after.ttl ? ttl(c.after) : `${c.before.ttl} → ${c.after.ttl}`;
      const values = sameValues ? after.join(list) : `${before.join(list)} → ${after.join(list)}`;
      return `~ ${family} ${ttlText.padEnd(5)}  ${values}`;
    }
  }
}

function ttl(set: RecordSet): string {
  return String(set.ttl).padEnd(5);
}
