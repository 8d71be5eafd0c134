import { describe, expect, it } from 'vitest';
import type { RecordHealth } from '../../src/run/health.js';
import { MAX_ROWS, renderStatusHtml } from '../../src/status/render-html.js';
import { StatusStore } from '../../src/status/store.js';
import type { RecordReport } from '../../src/sync/report.js';

const T0 = Date.parse('2026-12-06T12:00:00Z');

function report(name: string, over: Partial<RecordReport> = {}): RecordReport {
  return {
    name,
    provider: 'files',
    zone: 'example.com',
    target: 't.test',
    status: 'in-sync',
    changes: [],
    decisions: [],
    outcome: null,
    error: null,
    hints: [],
    current: { A: { ttl: 60, values: ['192.0.2.1'] } },
    ...over,
  };
}
const health = (name: string, over: Partial<RecordHealth> = {}): RecordHealth => ({
  name,
  provider: 'files',
  target: 't.test',
  lastSuccessAt: T0,
  lastError: undefined,
  nextCheckAt: T0 + 30_000,
  ...over,
});

describe('status store and page', () => {
  it('publishes what a write left, keeps the last 50 changes newest first, and dates a failing streak from its start', () => {
    const store = new StatusStore(T0);
    for (let i = 0; i < 60; i++) {
      const before = { ttl: 60, values: [`192.0.2.${i}`] };
      const after = { ttl: 60, values: [`192.0.2.${i + 1}`] };
      store.observe(
        {
          dryRun: false,
          records: [report('example.com', { status: 'updated', current: { A: before }, changes: [{ action: 'update', name: 'example.com', family: 'A', before, after }] })],
        },
        T0 + i * 1000,
      );
    }
    const failure = { stage: 'resolve' as const, kind: 'servfail' as const, message: 'A: SERVFAIL <b>', maybeApplied: false };
    store.observe({ dryRun: false, records: [report('example.com', { status: 'failed', error: failure })] }, T0 + 100_000);
    store.observe({ dryRun: false, records: [report('example.com', { status: 'failed', error: failure, current: { A: { ttl: 60, values: ['192.0.2.60'] } } })] }, T0 + 200_000);
    const document = store.document([health('example.com', { lastError: failure })], T0 + 200_000);
    expect(document.recentChanges).toHaveLength(50);
    expect(document.recentChanges[0]).toMatchObject({ name: 'example.com', after: { values: ['192.0.2.60'] } });
    const [row] = document.records;
    expect(row).toMatchObject({
      state: 'failing',
      published: { A: { ttl: 60, values: ['192.0.2.60'] }, AAAA: null },
      lastChange: { at: new Date(T0 + 59_000).toISOString() },
      error: { stage: 'resolve', kind: 'servfail', message: 'A: SERVFAIL <b>', since: new Date(T0 + 100_000).toISOString() },
    });
    const html = renderStatusHtml(document);
    expect(html).toContain('A: SERVFAIL &#60;b&#62;');
    expect(html).not.toContain('<b>');
    expect(html).not.toMatch(/<script/i);
  });

  it(`shows at most ${MAX_ROWS} rows, failing records first, and says how many more /status has`, () => {
    const store = new StatusStore(T0);
    const records = Array.from({ length: MAX_ROWS + 5 }, (_, i) => health(`h${i}.example.com`));
    records[MAX_ROWS + 4] = health(`h${MAX_ROWS + 4}.example.com`, { lastError: { stage: 'read', message: 'timeout' } });
    const document = store.document(records, T0);
    expect(document.records).toHaveLength(MAX_ROWS + 5);
    expect(document.summary).toEqual({ records: MAX_ROWS + 5, ok: MAX_ROWS + 4, failing: 1, pending: 0 });
    const html = renderStatusHtml(document);
    const rows = [...html.matchAll(/<tr class="(\w+)" data-record="([^"]+)">/g)];
    expect(rows).toHaveLength(MAX_ROWS);
    expect(rows[0]!.slice(1)).toEqual(['failing', `h${MAX_ROWS + 4}.example.com`]);
    expect(html).toContain('5 more records (failing ones are listed first)');
  });
});

describe('served state on the status page', () => {
  it('shows what the latest check found, and nothing before a check', () => {
    const store = new StatusStore(T0);
    store.observe({ dryRun: false, records: [report('a.example.com'), report('b.example.com')] }, T0);
    const served = {
      status: 'diverged' as const,
      seconds: 2,
      servers: [
        { server: '192.0.2.53:53', status: 'served' as const, values: { A: ['192.0.2.1'] } },
        { server: '192.0.2.54:53', status: 'diverged' as const, values: { A: ['192.0.2.9'] } },
      ],
    };
    store.observe({ dryRun: false, records: [report('a.example.com', { served })] }, T0 + 1000);
    const document = store.document([health('a.example.com'), health('b.example.com')], T0 + 1000);
    expect(document.records.map((r) => r.served)).toEqual([{ status: 'diverged', servedBy: 1, servers: 2 }, null]);
    const html = renderStatusHtml(document);
    expect(html).toContain('<span class="served diverged">diverged: served by 1/2</span>');
    expect(html.match(/class="served /g)).toHaveLength(1);
  });
});
