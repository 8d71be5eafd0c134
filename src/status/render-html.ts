import type { RecordSet } from '../model.js';
import type { ChangeView, RecordStatus, StatusDocument } from './store.js';

/** Seconds between the page's own reloads (meta refresh: works with JavaScript off). */
export const REFRESH_SECONDS = 10;
/** Rows in the page: failing records first, then the others; /status has them all. */
export const MAX_ROWS = 1000;

/**
 * The status page at `/`: one self-contained HTML document, no script, no external asset. Every
 * value is escaped: names, targets and error messages come from the config and from the wire.
 */
export function renderStatusHtml(status: StatusDocument): string {
  const now = Date.parse(status.generatedAt);
  const { summary } = status;
  const headline = summary.failing > 0 ? `${summary.failing} failing` : summary.pending > 0 ? `${summary.pending} pending` : 'all in sync';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apexsync: ${escape(headline)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; background: #fff; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
p.meta { color: #57606a; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; font-weight: 600; }
code, .addr { font-family: ui-monospace, monospace; font-size: 13px; }
.state { font-weight: 600; white-space: nowrap; } .state.ok { color: #1a7f37; } .state.failing { color: #cf222e; } .state.pending { color: #9a6700; }
tr.failing td { background: #fff5f5; } .muted { color: #57606a; } .error { color: #cf222e; }
</style>
</head>
<body>
<h1>apexsync: ${escape(headline)}</h1>
<p class="meta">${summary.records} records: ${summary.ok} ok, ${summary.failing} failing, ${summary.pending} pending. As of ${time(status.generatedAt, now)}; running since ${time(status.startedAt, now)}. This page reloads every ${REFRESH_SECONDS} s; the same data as JSON: <a href="/status">/status</a>.</p>
<table id="records">
<thead><tr><th>Record</th><th>Provider · zone</th><th>Target</th><th>State</th><th>Published</th><th>Last change</th><th>Last success</th><th>Next check</th><th>Error</th></tr></thead>
<tbody>
${shown(status.records)
  .map((record) => recordRow(record, now))
  .join('\n')}
</tbody>
</table>
${status.records.length > MAX_ROWS ? `<p class="muted" id="more">${status.records.length - MAX_ROWS} more records (failing ones are listed first): all of them in <a href="/status">/status</a>.</p>` : ''}
<h2>Last changes</h2>
${
  status.recentChanges.length === 0
    ? '<p class="muted" id="no-changes">No change since apexsync started.</p>'
    : `<table id="changes">
<thead><tr><th>When</th><th>Record</th><th>Provider · zone</th><th>Change</th></tr></thead>
<tbody>
${status.recentChanges
  .map(
    (change) =>
      `<tr><td>${time(change.at, now)}</td><td><code>${escape(change.name)}</code></td><td>${escape(change.provider)} · ${escape(change.zone ?? '?')}</td><td>${describeChange(change)}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>`
}
</body>
</html>
`;
}

/** Up to MAX_ROWS records, failing ones first; in config order otherwise. */
function shown(records: readonly RecordStatus[]): readonly RecordStatus[] {
  if (records.length <= MAX_ROWS) return records;
  return [...records.filter((r) => r.state === 'failing'), ...records.filter((r) => r.state !== 'failing')].slice(0, MAX_ROWS);
}

function recordRow(record: RecordStatus, now: number): string {
  const state = { ok: 'OK', failing: 'Failing', pending: 'Pending' }[record.state];
  const cells = [
    `<code>${escape(record.name)}</code>`,
    `${escape(record.provider)} · ${record.zone === null ? '<span class="muted">?</span>' : escape(record.zone)}`,
    `<code>${escape(record.target)}</code>`,
    `<span class="state ${record.state}">${state}</span>`,
    published(record.published) + served(record.served),
    record.lastChange ? `${time(record.lastChange.at, now)}<br>${record.lastChange.changes.map(describeChange).join('<br>')}` : '<span class="muted">none</span>',
    record.lastSuccess ? time(record.lastSuccess, now) : '<span class="muted">never</span>',
    record.nextCheck ? time(record.nextCheck, now) : '<span class="muted">now</span>',
    record.error
      ? `<span class="error">${escape(record.error.stage)}: ${escape(record.error.message)}</span><br><span class="muted">since ${time(record.error.since, now)}</span>`
      : '',
  ];
  return `<tr class="${record.state}" data-record="${escape(record.name)}">${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
}

function published(sets: RecordStatus['published']): string {
  if (sets === null) return '<span class="muted">not read yet</span>';
  const lines = (['A', 'AAAA', 'HTTPS'] as const).filter((family) => sets[family] !== null).map((family) => `${family} ${values(sets[family])}`);
  return lines.length === 0 ? '<span class="muted">none</span>' : `<span class="addr">${lines.join('<br>')}</span>`;
}

/** `served by 2/2`, `diverged: served by 1/2`, … under what is published (nothing when not checked). */
function served(state: RecordStatus['served']): string {
  if (state === null) return '';
  if (state.servers === 0) return `<br><span class="served ${escape(state.status)}">served: ${escape(state.status)}</span>`;
  const counts = `served by ${state.servedBy}/${state.servers}`;
  return `<br><span class="served ${state.status}">${state.status === 'served' ? counts : `${escape(state.status)}: ${counts}`}</span>`;
}

function describeChange(change: ChangeView): string {
  return `<span class="addr">${change.family} ${values(change.before)} → ${values(change.after)}</span>`;
}

function values(set: RecordSet | null): string {
  return set === null ? '(none)' : escape(set.values.join(', '));
}

/** `2026-12-06 17:48:12 UTC (3 min ago)`. */
function time(iso: string, now: number): string {
  const at = Date.parse(iso);
  const seconds = Math.round((at - now) / 1000);
  const magnitude = Math.abs(seconds);
  const amount =
    magnitude < 90
      ? `${magnitude} s`
      : magnitude < 5400
        ? `${Math.round(magnitude / 60)} min`
        : magnitude < 172_800
          ? `${Math.round(magnitude / 3600)} h`
          : `${Math.round(magnitude / 86_400)} d`;
  const relative = seconds === 0 ? 'now' : seconds < 0 ? `${amount} ago` : `in ${amount}`;
  return `<time datetime="${escape(iso)}">${escape(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time> <span class="muted">(${relative})</span>`;
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
