import { describe, expect, it } from 'vitest';
import type { Family } from '../../src/model.js';
import { readiness } from '../../src/run/health.js';
import { RunMetrics } from '../../src/run/metrics.js';
import { Scheduler, type Runtime } from '../../src/run/scheduler.js';
import type { Config, RecordConfig } from '../../src/config/types.js';
import { runRound, type RoundInput } from '../../src/sync/round.js';
import { addresses, config, failure, FakeProviderPool, ManualClock, MemoryProvider, pick, record, ScriptedResolver, seeded, silentLogger, type Answer } from './run-fakes.js';

const MIN = 60_000;
const POOL = ['52.4.7.1', '52.4.7.2', '52.4.7.3', '52.4.7.4', '52.4.7.5', '52.4.7.6', '52.4.7.7', '52.4.7.8'];

interface Harness {
  clock: ManualClock;
  resolver: ScriptedResolver;
  provider: MemoryProvider;
  pool: FakeProviderPool;
  scheduler: Scheduler;
  metrics: RunMetrics;
  rounds: RoundInput[];
  fullResults: boolean[];
  runtime(cfg: Config): Runtime;
}

function harness(records: readonly RecordConfig[], answer: Answer, over: Partial<Config> = {}, random = seeded(1)): Harness {
  const clock = new ManualClock();
  const resolver = new ScriptedResolver(clock, answer);
  const provider = new MemoryProvider('example.com', clock);
  const pool = new FakeProviderPool({ mem: provider });
  const metrics = new RunMetrics();
  const rounds: RoundInput[] = [];
  const fullResults: boolean[] = [];
  const runtime = (cfg: Config): Runtime => ({ config: cfg, resolver, providers: pool });
  const scheduler = new Scheduler(runtime(config(records, over)), {
    clock,
    random,
    logger: silentLogger,
    metrics,
    runRound: (input) => {
      rounds.push(input);
      return runRound(input);
    },
    onFullReconcile: (ok) => {
      fullResults.push(ok);
    },
  });
  return { clock, resolver, provider, pool, scheduler, metrics, rounds, fullResults, runtime };
}

const fixed =
  (values: readonly string[], ttl: number): Answer =>
  (_target: string, family: Family) =>
    addresses(family, values, ttl);

async function counter(metrics: RunMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe('scheduler timing', () => {
  it('runs a full round at start, then re-resolves each target when its TTL expires (clamped, jittered up to 10%)', async () => {
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], fixed(['52.4.7.1'], 120));
    await h.scheduler.start();
    expect(h.fullResults).toEqual([true]);
    expect(h.provider.values('example.com')).toEqual(['52.4.7.1']);
    await h.clock.advance(60 * MIN);
    const times = h.resolver.lookupsOf('lb.example.net');
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(27);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(120_000);
      expect(gap).toBeLessThanOrEqual(132_000);
    }
    // Jitter: not every gap is the same.
    expect(new Set(gaps).size).toBeGreaterThan(1);
    // One write (the first round); the target never changed after it.
    expect(h.provider.applies).toHaveLength(1);
    expect(h.provider.reads).toBe(times.length);
  });

  it('clamps a tiny TTL to interval.min and a huge one to interval.max', async () => {
    const h = harness(
      [record({ name: 'a.example.com', target: 'short.example.net' }), record({ name: 'b.example.com', target: 'long.example.net' })],
      (target, family) => addresses(family, ['52.4.7.1'], target.startsWith('short') ? 1 : 86_400),
      { interval: { minMs: 30_000, maxMs: 600_000 } },
      () => 0,
    );
    await h.scheduler.start();
    await h.clock.advance(30 * MIN);
    const gapsOf = (target: string) => {
      const t = h.resolver.lookupsOf(target);
      return new Set(t.slice(1).map((x, i) => x - t[i]!));
    };
    expect(gapsOf('short.example.net')).toEqual(new Set([30_000]));
    expect(gapsOf('long.example.net')).toEqual(new Set([600_000]));
  });

  it('a target change is published at its next TTL expiry', async () => {
    let values = ['52.4.7.1'];
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], (_t, family) => addresses(family, values, 60), { damping: { holdDownMs: 0, samples: 1 } });
    await h.scheduler.start();
    await h.clock.advance(10_000);
    values = ['52.4.7.9'];
    await h.clock.advance(70_000);
    expect(h.provider.values('example.com')).toEqual(['52.4.7.9']);
    expect(h.provider.applies).toHaveLength(2);
  });

  it('backs a failing record off exponentially up to interval.max without delaying another record', async () => {
    let broken = true;
    const h = harness(
      [record({ name: 'bad.example.com', target: 'bad.example.net' }), record({ name: 'good.example.com', target: 'good.example.net' })],
      (target, family) => (target === 'bad.example.net' && broken ? failure(family) : addresses(family, ['52.4.7.1'], 60)),
      { interval: { minMs: 30_000, maxMs: 480_000 } },
    );
    await h.scheduler.start();
    expect(h.fullResults).toEqual([false]);
    await h.clock.advance(60 * MIN);
    const bad = h.resolver.lookupsOf('bad.example.net');
    const gaps = bad.slice(1).map((t, i) => t - bad[i]!);
    // Equal jitter: the n-th retry waits between half and all of min(30 s × 2^(n−1), 480 s).
    gaps.forEach((gap, i) => {
      const ceiling = Math.min(480_000, 30_000 * 2 ** i);
      expect(gap).toBeGreaterThanOrEqual(ceiling / 2);
      expect(gap).toBeLessThanOrEqual(ceiling);
    });
    expect(gaps.length).toBeGreaterThanOrEqual(8);
    expect(gaps.length).toBeLessThanOrEqual(20);
    // The healthy record kept its TTL cadence (60–66 s) the whole hour.
    const good = h.resolver.lookupsOf('good.example.net');
    expect(good.length).toBeGreaterThanOrEqual(55);
    expect(await counter(h.metrics, 'apexsync_errors_total', { stage: 'resolve', kind: 'servfail' })).toBe(bad.length);

    // Recovery: the next retry succeeds and the record returns to its TTL cadence.
    broken = false;
    await h.clock.advance(10 * MIN);
    expect(h.provider.values('bad.example.com')).toEqual(['52.4.7.1']);
    const after = h.resolver.lookupsOf('bad.example.net').filter((t) => t > bad.at(-1)! + 480_000);
    const recoveredGaps = after.slice(1).map((t, i) => t - after[i]!);
    for (const gap of recoveredGaps) expect(gap).toBeLessThanOrEqual(66_000);
  });

  it('writes that fall due together for one zone go out as one provider transaction', async () => {
    let values = ['52.4.7.1'];
    const names = ['example.com', 'www.example.com', 'api.example.com'];
    const h = harness(
      names.map((name) => record({ name, target: 'lb.example.net' })),
      (_t, family) => addresses(family, values, 60),
      { damping: { holdDownMs: 0, samples: 1 } },
      () => 0, // no jitter: all three fall due in the same instant
    );
    await h.scheduler.start();
    expect(h.provider.applies).toHaveLength(1);
    expect(h.provider.applies[0]!.changes).toHaveLength(3);
    values = ['52.4.7.2'];
    await h.clock.advance(61_000);
    expect(h.provider.applies).toHaveLength(2);
    expect(h.provider.applies[1]!.changes.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(h.rounds.at(-1)!.records).toHaveLength(3);
  });

  it('the full reconcile re-reads the provider and repairs a manual edit', async () => {
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], fixed(['52.4.7.1'], 3600));
    await h.scheduler.start();
    h.provider.sets.set('example.com', { A: { ttl: 300, values: ['198.51.100.7'] } });
    const reads = h.provider.reads;
    expect(await h.scheduler.runFull('schedule')).toBe(true);
    expect(h.provider.reads).toBe(reads + 1);
    expect(h.provider.values('example.com')).toEqual(['52.4.7.1']);
    expect(h.provider.applies).toHaveLength(2);
    expect(await counter(h.metrics, 'apexsync_rounds_total', { kind: 'full', result: 'ok' })).toBe(2);
    expect(h.fullResults).toEqual([true, true]);
  });
});

describe('scheduler with a rotating pool (daemon-level churn damping)', () => {
  it('a target answering 4 of 8 at random settles, then the daemon writes nothing for 50 rounds', async () => {
    const random = seeded(2024);
    const h = harness([record({ name: 'example.com', target: 'pool.example.net' })], (_t, family) => addresses(family, pick(POOL, 4, random), 60), {
      damping: { holdDownMs: undefined, samples: 3 },
    });
    await h.scheduler.start();
    await h.clock.advance(10 * MIN);
    expect(h.provider.values('example.com')).toEqual([...POOL].sort());
    const settled = h.provider.applies.length;
    const roundsBefore = h.rounds.length;
    await h.clock.advance(60 * MIN);
    expect(h.rounds.length - roundsBefore).toBeGreaterThanOrEqual(50);
    expect(h.provider.applies.length).toBe(settled);
  });

  it('a wholesale pool move is published in the first round after it, old addresses removed in the same write', async () => {
    const random = seeded(99);
    let pool = POOL;
    const next = POOL.map((a) => a.replace('52.4.7.', '34.200.1.'));
    const h = harness([record({ name: 'example.com', target: 'pool.example.net' })], (_t, family) => addresses(family, pick(pool, 4, random), 60), {
      damping: { holdDownMs: undefined, samples: 3 },
    });
    await h.scheduler.start();
    await h.clock.advance(10 * MIN);
    const writesBefore = h.provider.applies.length;
    pool = next;
    // One interval: the TTL plus up to 10% of jitter.
    await h.clock.advance(66_000);
    expect(h.provider.applies.length).toBe(writesBefore + 1);
    expect(h.provider.values('example.com').length).toBeGreaterThan(0);
    expect(h.provider.values('example.com').every((a) => next.includes(a))).toBe(true);
    await h.clock.advance(10 * MIN);
    expect(h.provider.values('example.com')).toEqual([...next].sort());
  });
});

describe('scheduler clock', () => {
  it('a wall clock stepped back an hour does not stall the schedule: the due record still runs, and staleness is real time', async () => {
    let values = ['52.4.7.1'];
    let broken = false;
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], (_t, family) => (broken ? failure(family) : addresses(family, values, 60)), {
      damping: { holdDownMs: 0, samples: 1 },
      staleAfterMs: 180_000,
    });
    const ready = () => readiness(h.scheduler.health(), h.clock.now(), 180_000);
    await h.scheduler.start();
    await h.clock.advance(10_000);
    h.clock.stepWall(-60 * MIN);
    values = ['52.4.7.9'];
    // Due 60-66 s after the start round, on the monotonic clock: the step changes nothing.
    await h.clock.advance(70_000);
    expect(h.resolver.lookupsOf('lb.example.net')).toHaveLength(2);
    expect(h.provider.values('example.com')).toEqual(['52.4.7.9']);
    expect(h.provider.applies).toHaveLength(2);
    // The last success is shown on the wall clock as it reads now: never in the future.
    const [health] = h.scheduler.health();
    expect(health!.lastSuccessAt).toBeLessThanOrEqual(h.clock.now());
    expect(ready().ready).toBe(true);
    // Failing from here: stale after staleAfter of real time, although the wall clock is an hour behind.
    broken = true;
    await h.clock.advance(240_000);
    expect(ready().ready).toBe(false);
    expect(ready().stale[0]!.reason).toMatch(/^no successful round for (2[0-9]{2})s; last error at resolve/);
  });

  it('a wall clock stepped forward an hour runs nothing early', async () => {
    const h = harness(
      [record({ name: 'a.example.com', target: 'short.example.net' }), record({ name: 'b.example.com', target: 'long.example.net' })],
      (target, family) => addresses(family, ['52.4.7.1'], target.startsWith('short') ? 60 : 600),
      { interval: { minMs: 30_000, maxMs: 3_600_000 } },
      () => 0,
    );
    await h.scheduler.start();
    h.clock.stepWall(60 * MIN);
    await h.clock.advance(70_000);
    // The short record's wake-up must not take the long one along (due in 600 s, not "an hour ago").
    expect(h.resolver.lookupsOf('short.example.net')).toHaveLength(2);
    expect(h.resolver.lookupsOf('long.example.net')).toHaveLength(1);
  });
});

describe('scheduler lifecycle', () => {
  it('readiness: stale after staleAfter without success, ready again after recovery', async () => {
    let broken = false;
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], (_t, family) => (broken ? failure(family) : addresses(family, ['52.4.7.1'], 60)), {
      interval: { minMs: 10_000, maxMs: 60_000 },
      staleAfterMs: 180_000,
    });
    const ready = () => readiness(h.scheduler.health(), h.clock.now(), 180_000);
    expect(ready().ready).toBe(false);
    expect(ready().stale[0]!.reason).toBe('no successful round yet');
    await h.scheduler.start();
    expect(ready().ready).toBe(true);
    broken = true;
    await h.clock.advance(120_000);
    expect(ready().ready).toBe(true);
    await h.clock.advance(120_000);
    const stale = ready();
    expect(stale.ready).toBe(false);
    expect(stale.stale).toHaveLength(1);
    expect(stale.stale[0]!.record).toBe('example.com');
    expect(stale.stale[0]!.reason).toMatch(/^no successful round for \d+s; last error at resolve: A: SERVFAIL/);
    broken = false;
    await h.clock.advance(60_000);
    expect(ready().ready).toBe(true);
  });

  it('replace() keeps the history of records that stay, adds new ones, forgets removed ones', async () => {
    const keep = record({ name: 'example.com', target: 'lb.example.net' });
    const drop = record({ name: 'old.example.com', target: 'lb.example.net' });
    const h = harness([keep, drop], fixed(['52.4.7.1'], 60));
    await h.scheduler.start();
    const added = record({ name: 'new.example.com', target: 'lb.example.net' });
    const oldRuntime = h.scheduler.runtime;
    const pool2 = new FakeProviderPool({ mem: h.provider });
    h.scheduler.replace({ config: config([keep, added]), resolver: h.resolver, providers: pool2 });
    expect(h.pool.closed).toBe(1);
    expect(oldRuntime).not.toBe(h.scheduler.runtime);
    const health = h.scheduler.health();
    expect(health.map((r) => r.name).sort()).toEqual(['example.com', 'new.example.com']);
    expect(health.find((r) => r.name === 'example.com')!.lastSuccessAt).toBeDefined();
    expect(health.find((r) => r.name === 'new.example.com')!.lastSuccessAt).toBeUndefined();
    expect(await h.scheduler.runFull('reload')).toBe(true);
    expect(h.provider.values('new.example.com')).toEqual(['52.4.7.1']);
  });

  it('stop() lets a write in progress finish, then closes providers and schedules nothing more', async () => {
    let values = ['52.4.7.1'];
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], (_t, family) => addresses(family, values, 60), { damping: { holdDownMs: 0, samples: 1 } });
    await h.scheduler.start();
    values = ['52.4.7.2'];
    let release!: () => void;
    h.provider.applyGate = new Promise<void>((resolve) => (release = resolve));
    await h.clock.advance(70_000);
    expect(h.provider.applies).toHaveLength(1);
    const stopped = h.scheduler.stop(10_000);
    release();
    expect(await stopped).toBe(true);
    expect(h.provider.applies).toHaveLength(2);
    expect(h.pool.closed).toBe(1);
    const lookups = h.resolver.lookups.length;
    await h.clock.advance(60 * MIN);
    expect(h.resolver.lookups.length).toBe(lookups);
  });

  it('stop() gives up on a write that does not finish within the grace period', async () => {
    let values = ['52.4.7.1'];
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], (_t, family) => addresses(family, values, 60), { damping: { holdDownMs: 0, samples: 1 } });
    await h.scheduler.start();
    values = ['52.4.7.2'];
    h.provider.applyGate = new Promise<void>(() => undefined);
    await h.clock.advance(70_000);
    const stopped = h.scheduler.stop(10_000);
    await h.clock.advance(10_000);
    expect(await stopped).toBe(false);
    expect(h.pool.closed).toBe(1);
  });

  it('a full reconcile requested while one runs is run once afterwards, not skipped or doubled', async () => {
    const h = harness([record({ name: 'example.com', target: 'lb.example.net' })], fixed(['52.4.7.1'], 3600));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = h.provider.read.bind(h.provider);
    h.provider.read = async (zone, names) => {
      await gate;
      return original(zone, names);
    };
    const first = h.scheduler.start();
    expect(await h.scheduler.runFull('schedule')).toBeUndefined();
    expect(await h.scheduler.runFull('schedule')).toBeUndefined();
    release();
    expect(await first).toBe(true);
    await h.clock.advance(0);
    expect(h.fullResults).toEqual([true, true]);
    expect(h.provider.reads).toBe(2);
  });
});
