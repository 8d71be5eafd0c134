import type { Failure } from '../../src/model.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { Secret } from '../../src/lib/secret.js';
import { failUrlOf, sendHeartbeat, type Fetch } from '../../src/run/heartbeat.js';
import { MAX_STALE_LISTED, readiness, type RecordHealth } from '../../src/run/health.js';
import { Lane } from '../../src/run/lane.js';
import { DampingLedger } from '../../src/run/ledger.js';
import { RunMetrics, type RecordSeries } from '../../src/run/metrics.js';
import { delayAfterFailure, delayAfterSuccess, observedTtl } from '../../src/run/timing.js';
import type { RecordReport } from '../../src/sync/report.js';
import { addresses, failure, ManualClock, record, silentLogger } from './run-fakes.js';

describe('timing', () => {
  const interval = { minMs: 30_000, maxMs: 900_000 };
  it('after success: the observed TTL, clamped, plus up to 10% jitter', () => {
    expect(delayAfterSuccess(120, interval, () => 0)).toBe(120_000);
    expect(delayAfterSuccess(120, interval, () => 0.999)).toBe(131_988);
    expect(delayAfterSuccess(5, interval, () => 0)).toBe(30_000);
    expect(delayAfterSuccess(86_400, interval, () => 0)).toBe(900_000);
    expect(delayAfterSuccess(undefined, interval, () => 0)).toBe(30_000);
  });
  it('after failure: equal jitter under a ceiling doubling from interval.min up to interval.max', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => delayAfterFailure(n, interval, () => 0.999999))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    expect(delayAfterFailure(1, interval, () => 0)).toBe(15_000);
  });
  it('observed TTL: the smallest over families with addresses', () => {
    expect(observedTtl({ A: addresses('A', ['52.4.7.1'], 300), AAAA: addresses('AAAA', ['2600::1'], 60) })).toBe(60);
    expect(observedTtl({ A: addresses('A', ['52.4.7.1'], 300), AAAA: failure('AAAA') })).toBe(300);
    expect(observedTtl({ A: failure('A') })).toBeUndefined();
  });
});

describe('lane (one round at a time per provider, requests merged)', () => {
  it('merges keys requested while a round runs into the next round', async () => {
    const rounds: string[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const lane = new Lane<string>(
      async (keys) => {
        rounds.push([...keys]);
        await gate;
      },
      () => 0,
    );
    const first = lane.request(['a']);
    const second = lane.request(['b']);
    const third = lane.request(['c', 'b']);
    expect(lane.runningSince).toBe(0);
    const firstRelease = release;
    gate = Promise.resolve();
    firstRelease();
    await Promise.all([first, second, third]);
    expect(rounds).toEqual([['a'], ['b', 'c']]);
    expect(lane.runningSince).toBeUndefined();
  });
  it('keeps serving after a round throws, and close() drops what has not started', async () => {
    const rounds: string[][] = [];
    const lane = new Lane<string>(
      async (keys) => {
        rounds.push([...keys]);
        if (keys.includes('boom')) throw new Error('bug');
      },
      () => 0,
    );
    await lane.request(['boom']);
    await lane.request(['ok']);
    expect(rounds).toEqual([['boom'], ['ok']]);
    await lane.close();
    await lane.request(['late']);
    expect(rounds).toHaveLength(2);
  });
});

describe('heartbeat', () => {
  it('appends /fail to the path for a failed reconcile, keeping the query', () => {
    expect(failUrlOf('https://hc-ping.com/0b5c-uuid')).toBe('https://hc-ping.com/0b5c-uuid/fail');
    expect(failUrlOf('https://hc-ping.com/0b5c-uuid/')).toBe('https://hc-ping.com/0b5c-uuid/fail');
    expect(failUrlOf('https://kuma.example/api/push/tok?status=up')).toBe('https://kuma.example/api/push/tok/fail?status=up');
  });

  it('pings the URL on success, the fail URL on failure, counts both, and never throws', async () => {
    const calls: string[] = [];
    const metrics = new RunMetrics();
    const ok: Fetch = (url) => {
      calls.push(url);
      return Promise.resolve({ ok: true, status: 200 });
    };
    const settings = { url: new Secret('https://hc-ping.com/secret-uuid'), failUrl: undefined };
    await sendHeartbeat(settings, true, { logger: silentLogger, metrics, fetch: ok });
    await sendHeartbeat(settings, false, { logger: silentLogger, metrics, fetch: ok });
    await sendHeartbeat({ ...settings, failUrl: new Secret('https://kuma.example/push?status=down') }, false, { logger: silentLogger, metrics, fetch: ok });
    expect(calls).toEqual(['https://hc-ping.com/secret-uuid', 'https://hc-ping.com/secret-uuid/fail', 'https://kuma.example/push?status=down']);
    const broken: Fetch = () => Promise.reject(new Error('fetch failed to https://hc-ping.com/secret-uuid'));
    await expect(sendHeartbeat(settings, true, { logger: silentLogger, metrics, fetch: broken })).resolves.toBeUndefined();
    const refused: Fetch = () => Promise.resolve({ ok: false, status: 500 });
    await sendHeartbeat(settings, true, { logger: silentLogger, metrics, fetch: refused });
    const text = await metrics.registry.metrics();
    expect(text).toContain('apexsync_heartbeats_total{signal="success",result="sent"} 1');
    expect(text).toContain('apexsync_heartbeats_total{signal="fail",result="sent"} 2');
    expect(text).toContain('apexsync_heartbeats_total{signal="success",result="error"} 2');
  });

  it('logs the heartbeat by origin only: the path is the credential', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const broken: Fetch = () => Promise.reject(new Error('request to https://hc-ping.com/secret-uuid failed'));
    await sendHeartbeat({ url: new Secret('https://hc-ping.com/secret-uuid'), failUrl: undefined }, true, { logger, metrics: new RunMetrics(), fetch: broken });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('https://hc-ping.com');
    expect(lines[0]).not.toContain('secret-uuid');
  });
});

describe('apexsync_errors_total counts the failure kind the report carries', () => {
  const base = { name: 'example.com', provider: 'p', zone: 'example.com', target: 't', changes: [], decisions: [], outcome: null, hints: [] };
  const failed = (error: Failure): RecordReport => ({ ...base, status: 'failed', error });
  it('labels each failed record with its stage and kind, as produced, whatever the words say', async () => {
    const metrics = new RunMetrics();
    metrics.observeRecord({ ...base, status: 'in-sync', error: null });
    // The words would have been read as a timeout and as auth; the kinds are what count.
    metrics.observeRecord(failed({ stage: 'resolve', kind: 'unreachable', message: 'A: no answer, connection refused by 127.0.0.1:53 (timed out)', maybeApplied: false }));
    metrics.observeRecord(failed({ stage: 'read', kind: 'rate-limit', message: 'denied: 403 forbidden', maybeApplied: false }));
    metrics.observeRecord(failed({ stage: 'apply', kind: 'timeout', message: 'could not confirm', maybeApplied: true }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('apexsync_errors_total{stage="resolve",kind="unreachable"} 1');
    expect(text).toContain('apexsync_errors_total{stage="read",kind="rate-limit"} 1');
    expect(text).toContain('apexsync_errors_total{stage="apply",kind="timeout"} 1');
    expect(text.match(/^apexsync_errors_total\{/gm)).toHaveLength(3);
  });
});

describe('per-record /metrics series, computed from the records when scraped', () => {
  const report = (over: Partial<RecordReport>): RecordReport => ({
    name: 'example.com',
    provider: 'files',
    zone: 'example.com',
    target: 't',
    status: 'in-sync',
    changes: [],
    decisions: [],
    outcome: null,
    error: null,
    hints: [],
    ...over,
  });

  it("shows each record's last success and published counts; nothing for what is not known yet", async () => {
    const metrics = new RunMetrics();
    const series: RecordSeries[] = [
      { name: 'a.example.com', provider: 'files', lastSuccessAt: 1_700_000_000_000, published: { A: 2, AAAA: 0 } },
      { name: 'b.example.com', provider: 'files', lastSuccessAt: undefined, published: undefined },
    ];
    let scrapes = 0;
    metrics.trackRecords(() => {
      scrapes++;
      return series;
    });
    const text = await metrics.registry.metrics();
    expect(scrapes).toBe(3); // once per gauge, at scrape time
    expect(text).toContain('apexsync_record_last_success_timestamp_seconds{record="a.example.com",provider="files"} 1700000000');
    expect(text).toContain('apexsync_record_published_addresses{record="a.example.com",provider="files",family="A"} 2');
    expect(text).toContain('apexsync_record_published_addresses{record="a.example.com",provider="files",family="AAAA"} 0');
    expect(text).not.toContain('b.example.com');
    // Gone from the source, gone from /metrics: nothing per record is stored in prom-client.
    series.pop();
    series.pop();
    expect(await metrics.registry.metrics()).not.toContain('a.example.com');
  });

  it('observeRecord counts errors and applied changes, and returns what is published after the round', () => {
    const metrics = new RunMetrics();
    const set = (...values: string[]) => ({ ttl: 300, values });
    expect(metrics.observeRecord(report({ current: { A: set('52.4.7.1') } }))).toEqual({ A: 1, AAAA: 0 });
    const change = { action: 'update' as const, name: 'example.com', family: 'A' as const, before: set('52.4.7.1'), after: set('52.4.7.2', '52.4.7.3') };
    expect(metrics.observeRecord(report({ status: 'updated', current: { A: set('52.4.7.1') }, changes: [change], outcome: { status: 'applied' } }))).toEqual({ A: 2, AAAA: 0 });
    // Not applied: the provider still holds what was read.
    expect(
      metrics.observeRecord(
        report({
          status: 'failed',
          current: { A: set('52.4.7.1') },
          changes: [change],
          outcome: { status: 'unconfirmed', kind: 'timeout', message: 'timeout' },
          error: { stage: 'apply', kind: 'timeout', message: 'x', maybeApplied: true },
        }),
      ),
    ).toEqual({ A: 1, AAAA: 0 });
    // The read failed: unknown.
    expect(metrics.observeRecord(report({ status: 'failed', error: { stage: 'read', kind: 'rate-limit', message: 'Cloudflare: 429', maybeApplied: false } }))).toBeUndefined();
  });
});

describe('readiness', () => {
  it(`lists at most ${MAX_STALE_LISTED} stale records and counts them all`, () => {
    const now = Date.UTC(2025, 0, 1);
    const health = (i: number, lastSuccessAt: number | undefined): RecordHealth => ({
      name: `r${i}.example.com`,
      provider: 'files',
      target: 't',
      lastSuccessAt,
      lastError: undefined,
    });
    const many = Array.from({ length: 250 }, (_, i) => health(i, i % 5 === 0 ? now : undefined));
    const result = readiness(many, now, 60_000);
    expect(result).toMatchObject({ ready: false, records: 250, staleCount: 200 });
    expect(result.stale).toHaveLength(MAX_STALE_LISTED);
    expect(result.stale[0]).toEqual({ record: 'r1.example.com', provider: 'files', target: 't', lastSuccess: null, reason: 'no successful round yet' });
    expect(readiness(many.slice(0, 1), now, 60_000)).toEqual({ ready: true, records: 1, staleAfterSeconds: 60, staleCount: 0, stale: [], served: {}, diverged: [] });
  });

  it('is not ready while a record is served diverged, naming the servers that differ', () => {
    const now = Date.UTC(2025, 0, 1);
    const ok = { name: 'a.example.com', provider: 'files', target: 't', lastSuccessAt: now, lastError: undefined };
    const served = { status: 'served' as const, seconds: 0.2, servers: [{ server: '192.0.2.53:53', status: 'served' as const, values: { A: ['198.51.100.1'] } }] };
    const diverged = {
      status: 'diverged' as const,
      seconds: 60.1,
      servers: [
        { server: '192.0.2.53:53', status: 'served' as const, values: { A: ['198.51.100.1'] } },
        { server: '192.0.2.54:53', status: 'diverged' as const, values: { A: ['198.51.100.9'] } },
      ],
    };
    expect(readiness([{ ...ok, served }], now, 60_000)).toMatchObject({ ready: true, served: { served: 1 }, diverged: [] });
    expect(
      readiness(
        [
          { ...ok, served },
          { ...ok, name: 'b.example.com', served: diverged },
        ],
        now,
        60_000,
      ),
    ).toMatchObject({
      ready: false,
      staleCount: 0,
      served: { served: 1, diverged: 1 },
      diverged: [{ record: 'b.example.com', provider: 'files', servers: [{ server: '192.0.2.54:53', status: 'diverged', values: { A: ['198.51.100.9'] } }] }],
    });
  });
});

describe('served metrics', () => {
  it('shows one apexsync_served series per record and status, 1 for the current one', async () => {
    const metrics = new RunMetrics();
    metrics.trackRecords(() => [
      { name: 'a.example.com', provider: 'files', lastSuccessAt: undefined, published: undefined, served: 'propagating' },
      { name: 'b.example.com', provider: 'files', lastSuccessAt: undefined, published: undefined },
    ]);
    metrics.servedSeconds.observe(3.1);
    const text = await metrics.registry.metrics();
    expect(text).toContain('apexsync_served{record="a.example.com",status="propagating"} 1');
    expect(text).toContain('apexsync_served{record="a.example.com",status="served"} 0');
    expect(text).not.toContain('apexsync_served{record="b.example.com"');
    expect(text).toContain('apexsync_write_to_served_seconds_count 1');
  });
});

describe('damping ledger', () => {
  it('keeps sightings per record across rounds, and forgets them when the target changes or the record goes', async () => {
    const clock = new ManualClock();
    const ledger = new DampingLedger(undefined, clock, silentLogger);
    const r = record({ name: 'example.com', target: 'lb.example.net' });
    const answer = (...values: string[]) => ({ A: addresses('A', values, 60) });
    const published = (...values: string[]) => ({ A: { ttl: 60, values } });
    // One round whose two lookups (through the ledger's watch) disagree: a rotating pool.
    const lookups = [addresses('A', ['52.4.7.1'], 60), addresses('A', ['52.4.7.1', '52.4.7.3'], 60)];
    const resolver = ledger.watching({ resolve: () => Promise.resolve(lookups.shift()!) });
    await resolver.resolve('lb.example.net', 'A');
    await resolver.resolve('lb.example.net', 'A');
    ledger.adjust(r, answer('52.4.7.1', '52.4.7.3'), {});
    // A minute later the target answers part of the pool: the address it left out is held (hold-down 5 min).
    await clock.advance(60_000);
    expect(ledger.adjust(r, answer('52.4.7.2', '52.4.7.3'), published('52.4.7.1', '52.4.7.3')).A).toMatchObject({ addresses: ['52.4.7.1', '52.4.7.2', '52.4.7.3'] });
    // Same name, new target: a new ledger, nothing held from the old target.
    const moved = { ...r, target: 'lb2.example.net' };
    expect(ledger.adjust(moved, answer('52.4.7.9'), published('52.4.7.1', '52.4.7.2', '52.4.7.3')).A).toMatchObject({ addresses: ['52.4.7.9'] });
    // Back to the first target after a reload that dropped the record: nothing remembered either.
    ledger.retain([]);
    expect(ledger.adjust(r, answer('52.4.7.2'), published('52.4.7.9')).A).toMatchObject({ addresses: ['52.4.7.2'] });
    // A family dropped by a reload and added back later starts afresh too.
    await clock.advance(60_000);
    ledger.retain([{ ...r, families: ['AAAA'] }]);
    expect(ledger.adjust(r, answer('52.4.7.3'), published('52.4.7.2')).A).toMatchObject({ addresses: ['52.4.7.3'] });
  });

  it('mirrors a target whose lookups agree exactly: nothing held', async () => {
    const clock = new ManualClock();
    const ledger = new DampingLedger(undefined, clock, silentLogger);
    const r = record({ name: 'example.com', target: 'lb.example.net' });
    ledger.adjust(r, { A: addresses('A', ['52.4.7.1', '52.4.7.2'], 60) }, {});
    await clock.advance(60_000);
    expect(ledger.adjust(r, { A: addresses('A', ['52.4.7.2', '52.4.7.3'], 60) }, { A: { ttl: 60, values: ['52.4.7.1', '52.4.7.2'] } }).A).toMatchObject({
      addresses: ['52.4.7.2', '52.4.7.3'],
    });
  });
});

describe('run settings in the config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-run-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = `resolver: { servers: ["127.0.0.1:5300"] }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: lb.example.net }
`;
  let n = 0;
  const load = (extra: string, env: Record<string, string> = {}) => {
    const file = path.join(dir, `c${n++}.yaml`);
    writeFileSync(file, base + extra);
    return loadConfig({ file, cwd: dir, env });
  };
  const problems = (extra: string): string[] => {
    try {
      load(extra);
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults: interval 30s–15m, staleAfter 3 × interval.max, hold-down automatic, 3 samples, no heartbeat', () => {
    const config = load('');
    expect(config.interval).toEqual({ minMs: 30_000, maxMs: 900_000 });
    expect(config.staleAfterMs).toBe(2_700_000);
    expect(config.damping).toEqual({ holdDownMs: undefined, samples: 3 });
    expect(config.heartbeat).toBeUndefined();
    expect(config.server.listen).toEqual({ host: '127.0.0.1', port: 9797 });
  });

  it('durations as seconds or unit strings; heartbeat URL kept secret', () => {
    const config = load(`interval: { min: 1, max: 2m }
staleAfter: 1h30m
damping: { holdDown: 90s, samples: 5 }
heartbeat: { url: "https://hc-ping.com/abc-uuid" }
`);
    expect(config.interval).toEqual({ minMs: 1000, maxMs: 120_000 });
    expect(config.staleAfterMs).toBe(5_400_000);
    expect(config.damping).toEqual({ holdDownMs: 90_000, samples: 5 });
    expect(config.heartbeat?.url.reveal()).toBe('https://hc-ping.com/abc-uuid');
    expect(JSON.stringify(config.heartbeat)).not.toContain('abc-uuid');
  });

  it('server.listen: the file, else $APEXSYNC_LISTEN, else 127.0.0.1:9797', () => {
    expect(load('', { APEXSYNC_LISTEN: '0.0.0.0:9797' }).server.listen).toEqual({ host: '0.0.0.0', port: 9797 });
    expect(load('server: { listen: "127.0.0.1:9000" }\n', { APEXSYNC_LISTEN: '0.0.0.0:9797' }).server.listen).toEqual({ host: '127.0.0.1', port: 9000 });
  });

  it('one line per problem, with its path', () => {
    expect(problems('interval: { min: 10m, max: 1m }\n')).toEqual(['interval: min is greater than max']);
    expect(problems('interval: { min: 500ms }\n')).toEqual(['interval.min: must be at least 1s']);
    expect(problems('staleAfter: soon\n')).toEqual(['staleAfter: expected a duration: seconds as a number, or a string like "500ms", "30s", "15m", "1h30m"']);
    expect(problems('damping: { samples: 0 }\n')[0]).toMatch(/^damping\.samples: /);
    expect(problems('heartbeat: { url: "ftp://x/abc-secret" }\n')).toEqual(['heartbeat.url: expected an http:// or https:// URL']);
  });

  it('duration text round trip', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('15 m')).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(250)).toBe('250ms');
  });
});
