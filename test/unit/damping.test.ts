import { describe, expect, it } from 'vitest';
import { isSpecialAddress } from '../../src/addresses.js';
import type { TtlPolicy } from '../../src/config/types.js';
import { planRecord } from '../../src/plan/index.js';
import type { RecordSets } from '../../src/model.js';
import type { FamilyResolution } from '../../src/resolve/types.js';
import { dampFamily, EMPTY_LEDGER, holdDownOf, MIN_HOLD_DOWN_MS, type DampInput, type FamilyLedger } from '../../src/run/damping.js';
import { unionOfSamples } from '../../src/sync/sampling.js';
import { addresses, failure, pick, seeded } from './run-fakes.js';

const POOL = ['52.4.7.1', '52.4.7.2', '52.4.7.3', '52.4.7.4', '52.4.7.5', '52.4.7.6', '52.4.7.7', '52.4.7.8'];
const NEW_POOL = ['34.200.1.1', '34.200.1.2', '34.200.1.3', '34.200.1.4', '34.200.1.5', '34.200.1.6', '34.200.1.7', '34.200.1.8'];
const T0 = 1_700_000_000_000;
const RANGE: TtlPolicy = { kind: 'range', min: 60, max: 3600 };
const record = { name: 'example.com', families: ['A'] as const, ttl: RANGE, maxAddresses: 8, allowSpecialAddresses: false, allowEmpty: false };
const SAMPLES = 3; // damping.samples default: lookups per round, united

const refuse = (a: string): boolean => isSpecialAddress(a);

/** dampFamily with the defaults of a record (TTL 60–3600, 8 addresses, special addresses refused). */
function damp(over: Partial<DampInput> & Pick<DampInput, 'ledger' | 'resolution' | 'now'>, policy: TtlPolicy = RANGE, maxAddresses = 8) {
  return dampFamily({ samplesDisagreed: false, published: [], holdDownMs: undefined, record: { ttl: policy, maxAddresses, isRefused: refuse }, ...over });
}

const values = (r: FamilyResolution): readonly string[] => (r.kind === 'addresses' ? r.addresses : []);

/** One round's lookups of a target answering 4 of `pool` at random: the union, and whether they disagreed. */
function sampledRound(pool: readonly string[], random: () => number, samples = SAMPLES): { answer: FamilyResolution; disagreed: boolean } {
  const lookups = Array.from({ length: samples }, () => addresses('A', [...pick(pool, 4, random)].sort(), 60));
  const keys = new Set(lookups.map((l) => values(l).join(',')));
  return { answer: unionOfSamples(lookups), disagreed: keys.size > 1 };
}

/**
 * A record mirrored round after round through the ledger and the real planner, against a
 * published set held here: what the daemon does, minus the I/O. Counts the writes.
 */
function mirror(options: { holdDownMs?: number; maxAddresses?: number; policy?: TtlPolicy } = {}) {
  let ledger: FamilyLedger = EMPTY_LEDGER;
  let published: RecordSets = {};
  const writes: number[] = [];
  const maxAddresses = options.maxAddresses ?? 8;
  return {
    round(answer: FamilyResolution, now: number, disagreed = false): void {
      const out = damp(
        { ledger, resolution: answer, samplesDisagreed: disagreed, published: published.A?.values ?? [], now, holdDownMs: options.holdDownMs },
        options.policy,
        maxAddresses,
      );
      ledger = out.ledger;
      const plan = planRecord({ record: { ...record, ttl: options.policy ?? RANGE, families: ['A'], maxAddresses }, resolved: { A: out.resolution }, current: published });
      for (const change of plan.changes) {
        published = change.after === null ? {} : { A: change.after };
        writes.push(now);
      }
    },
    get published(): string[] {
      return [...(published.A?.values ?? [])].sort();
    },
    get ledger(): FamilyLedger {
      return ledger;
    },
    writes,
  };
}

describe('churn damping: a target that does not rotate is mirrored exactly', () => {
  it('a stable target that moves to a new address is published as the new address only, in the first round after the move', () => {
    const m = mirror();
    for (let i = 0; i < 5; i++) m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0 + i * 60_000);
    expect(m.published).toEqual(['52.4.7.1', '52.4.7.2']);
    m.round(addresses('A', ['52.4.7.9'], 60), T0 + 5 * 60_000);
    expect(m.published).toEqual(['52.4.7.9']);
    expect(m.writes).toEqual([T0, T0 + 5 * 60_000]);
  });

  it('one address of a stable pair replaced (answers overlap) is not mistaken for rotation: the old one goes at once', () => {
    const m = mirror();
    for (let i = 0; i < 3; i++) m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0 + i * 60_000);
    m.round(addresses('A', ['52.4.7.2', '52.4.7.3'], 60), T0 + 3 * 60_000);
    expect(m.published).toEqual(['52.4.7.2', '52.4.7.3']);
    // A rolling replacement, one node per round, is followed step by step.
    m.round(addresses('A', ['52.4.7.3', '52.4.7.4'], 60), T0 + 4 * 60_000);
    expect(m.published).toEqual(['52.4.7.3', '52.4.7.4']);
    expect(m.writes).toHaveLength(3);
  });

  it('a failover and a failback (answers with nothing in common) are each mirrored at once, not taken for rotation', () => {
    const m = mirror();
    m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0);
    m.round(addresses('A', ['34.200.1.1'], 60), T0 + 60_000);
    expect(m.published).toEqual(['34.200.1.1']);
    m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0 + 120_000);
    expect(m.published).toEqual(['52.4.7.1', '52.4.7.2']);
    m.round(addresses('A', ['34.200.1.1'], 60), T0 + 180_000);
    expect(m.published).toEqual(['34.200.1.1']);
    expect(m.writes).toHaveLength(4);
  });

  it('an empty answer from a stable target goes to the planner as it is (which keeps the records unless allowed)', () => {
    const m = mirror();
    m.round(addresses('A', ['52.4.7.1'], 60), T0);
    const nodata: FamilyResolution = { kind: 'empty', family: 'A', reason: 'NODATA', chain: [] };
    const out = damp({ ledger: m.ledger, resolution: nodata, published: ['52.4.7.1'], now: T0 + 60_000 });
    expect(out.resolution).toBe(nodata);
    expect(out.rotating).toBe(false);
  });

  it('passes failures through without touching the ledger, and does nothing when turned off (holdDown 0)', () => {
    const ledger = damp({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1'], 60), now: T0, samplesDisagreed: true }).ledger;
    const failed = failure('A');
    const out = damp({ ledger, resolution: failed, published: ['52.4.7.1'], now: T0 + 1000 });
    expect(out.resolution).toBe(failed);
    expect(out.ledger).toBe(ledger);
    const off = damp({ ledger, resolution: addresses('A', ['52.4.7.2'], 60), samplesDisagreed: true, published: ['52.4.7.1'], now: T0 + 1000, holdDownMs: 0 });
    expect(off.resolution).toEqual(addresses('A', ['52.4.7.2'], 60));
    expect(off.ledger.sightings.size).toBe(0);
  });
});

describe('churn damping: a rotating pool', () => {
  it('samples of one round that disagree mark the target as rotating: an address absent from the next answer is held', () => {
    const first = damp({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1', '52.4.7.2'], 60), samplesDisagreed: true, now: T0 });
    expect(first.rotating).toBe(true);
    const second = damp({ ledger: first.ledger, resolution: addresses('A', ['52.4.7.2', '52.4.7.3'], 60), published: ['52.4.7.1', '52.4.7.2'], now: T0 + 60_000 });
    expect(second.rotating).toBe(true);
    expect(values(second.resolution)).toEqual(['52.4.7.1', '52.4.7.2', '52.4.7.3']);
  });

  it('rounds whose answers agree within themselves still show rotation when an address comes back (a caching resolver)', () => {
    const m = mirror();
    m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0);
    m.round(addresses('A', ['52.4.7.2', '52.4.7.3'], 60), T0 + 60_000);
    expect(m.published).toEqual(['52.4.7.2', '52.4.7.3']);
    // 52.4.7.1 was absent from the previous answer and is back beside 52.4.7.3 of that answer: a pool, not a move.
    m.round(addresses('A', ['52.4.7.1', '52.4.7.3'], 60), T0 + 120_000);
    expect(m.published).toEqual(['52.4.7.1', '52.4.7.2', '52.4.7.3']);
    const writes = m.writes.length;
    m.round(addresses('A', ['52.4.7.2', '52.4.7.3'], 60), T0 + 180_000);
    m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0 + 240_000);
    expect(m.writes).toHaveLength(writes);
  });

  it('a target answering 4 of 8 addresses at random settles, then causes no write for 50 rounds (3 lookups per round)', () => {
    const random = seeded(42);
    const m = mirror();
    let now = T0;
    for (let i = 0; i < 5; i++, now += 60_000) {
      const { answer, disagreed } = sampledRound(POOL, random);
      m.round(answer, now, disagreed);
    }
    expect(m.published).toEqual([...POOL].sort());
    const settledWrites = m.writes.length;
    expect(settledWrites).toBeGreaterThanOrEqual(1);
    expect(settledWrites).toBeLessThanOrEqual(5);
    for (let i = 0; i < 50; i++, now += 60_000) {
      const { answer, disagreed } = sampledRound(POOL, random);
      m.round(answer, now, disagreed);
    }
    expect(m.writes.length).toBe(settledWrites);
    expect(m.published).toEqual([...POOL].sort());
  });

  it('without damping the same target rewrites the record on almost every round', () => {
    const random = seeded(42);
    const m = mirror({ holdDownMs: 0 });
    let now = T0;
    for (let i = 0; i < 55; i++, now += 60_000) m.round(addresses('A', pick(POOL, 4, random), 60), now, true);
    expect(m.writes.length).toBeGreaterThan(40);
  });

  it('a wholesale move of the pool (nothing in common with what is published) is published at once, the old addresses removed in the same write', () => {
    const random = seeded(7);
    const m = mirror();
    let now = T0;
    for (let i = 0; i < 10; i++, now += 60_000) {
      const { answer, disagreed } = sampledRound(POOL, random);
      m.round(answer, now, disagreed);
    }
    expect(m.published).toEqual([...POOL].sort());
    const writesBefore = m.writes.length;
    const { answer, disagreed } = sampledRound(NEW_POOL, random);
    m.round(answer, now, disagreed);
    expect(m.published).toEqual([...values(answer)].sort());
    expect(m.published.every((a) => NEW_POOL.includes(a))).toBe(true);
    expect(m.writes).toHaveLength(writesBefore + 1);
    // The old pool is forgotten: it is never published again, and the new one settles.
    for (let i = 0; i < 10; i++) {
      now += 60_000;
      const next = sampledRound(NEW_POOL, random);
      m.round(next.answer, now, next.disagreed);
      expect(m.published.every((a) => NEW_POOL.includes(a))).toBe(true);
    }
    expect(m.published).toEqual([...NEW_POOL].sort());
  });

  it('under maxAddresses keeps the published subset of a larger pool instead of rotating it', () => {
    const big = Array.from({ length: 12 }, (_, i) => `52.4.8.${i + 1}`);
    let ledger: FamilyLedger = EMPTY_LEDGER;
    for (const [i, slice] of [big.slice(0, 6), big.slice(4, 10), big.slice(8, 12)].entries()) {
      ledger = damp({ ledger, resolution: addresses('A', slice, 60), samplesDisagreed: true, published: big.slice(0, 4), now: T0 + i }, RANGE, 4).ledger;
    }
    const published = ['52.4.8.1', '52.4.8.2', '52.4.8.3', '52.4.8.7'];
    // The answer shares nothing with what is published but is part of the pool seen: a rotation, not a move.
    const out = damp({ ledger, resolution: addresses('A', ['52.4.8.9', '52.4.8.10'], 60), samplesDisagreed: true, published, now: T0 + 10 }, RANGE, 4);
    expect(values(out.resolution)).toEqual(published);
  });

  it('keeps publishing held addresses through an empty answer until their hold-down ends', () => {
    const ledger = damp({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1'], 60), samplesDisagreed: true, now: T0 }).ledger;
    const nodata: FamilyResolution = { kind: 'empty', family: 'A', reason: 'NODATA', chain: [] };
    expect(damp({ ledger, resolution: nodata, published: ['52.4.7.1'], now: T0 + 60_000 }).resolution).toEqual(addresses('A', ['52.4.7.1'], 60));
    expect(damp({ ledger, resolution: nodata, published: ['52.4.7.1'], now: T0 + MIN_HOLD_DOWN_MS }).resolution).toBe(nodata);
  });
});

describe('churn damping: the hold-down is bounded', () => {
  it('is twice the clamped TTL, at least 5 minutes, never more than the record’s largest TTL; a configured one is capped too', () => {
    expect(holdDownOf({ lastSeenAt: T0, ttl: 60 }, undefined, RANGE)).toBe(300_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 1800 }, undefined, RANGE)).toBe(3_600_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 3600 }, undefined, RANGE)).toBe(3_600_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 3600 }, 90_000, RANGE)).toBe(90_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 60 }, undefined, { kind: 'range', min: 30, max: 120 })).toBe(120_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 300 }, 24 * 3_600_000, { kind: 'fixed', ttl: 300 })).toBe(300_000);
  });

  it('an answer with TTL 2^31−1 pins nothing: its address is gone one ttl.max after it was last seen', () => {
    const first = damp({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1', '52.4.7.2'], 2 ** 31 - 1), samplesDisagreed: true, now: T0 });
    expect([...first.ledger.sightings.values()].map((s) => s.ttl)).toEqual([3600, 3600]);
    const dampedAt = (ms: number) =>
      damp({ ledger: first.ledger, resolution: addresses('A', ['52.4.7.2'], 60), samplesDisagreed: true, published: ['52.4.7.1', '52.4.7.2'], now: T0 + ms });
    expect(values(dampedAt(3_600_000 - 1).resolution)).toEqual(['52.4.7.1', '52.4.7.2']);
    expect(values(dampedAt(3_600_000).resolution)).toEqual(['52.4.7.2']);
  });

  it('a held address that the planner would refuse is dropped at once instead of blocking the family', () => {
    // Allowed once (the record allowed special addresses), then the config says no: the held 10.0.0.5 goes.
    const held = dampFamily({
      ledger: EMPTY_LEDGER,
      resolution: addresses('A', ['10.0.0.5', '52.4.7.1'], 60),
      samplesDisagreed: true,
      published: [],
      now: T0,
      holdDownMs: undefined,
      record: { ttl: RANGE, maxAddresses: 8, isRefused: () => false },
    }).ledger;
    const out = damp({ ledger: held, resolution: addresses('A', ['52.4.7.1', '52.4.7.2'], 60), samplesDisagreed: true, published: ['10.0.0.5', '52.4.7.1'], now: T0 + 60_000 });
    expect(values(out.resolution)).toEqual(['52.4.7.1', '52.4.7.2']);
    expect(out.ledger.sightings.has('10.0.0.5')).toBe(false);
  });

  it('an answer with a refused address goes to the planner as it is, and the refused address is never held', () => {
    const m = mirror();
    m.round(addresses('A', ['52.4.7.1'], 60), T0, true);
    m.round(addresses('A', ['52.4.7.1', '127.0.0.1'], 60), T0 + 60_000, true);
    expect(m.published).toEqual(['52.4.7.1']);
    expect(m.ledger.sightings.has('127.0.0.1')).toBe(false);
    // The real migration right after is published: nothing blocks the family.
    m.round(addresses('A', ['34.200.1.1'], 60), T0 + 120_000);
    expect(m.published).toEqual(['34.200.1.1']);
  });

  it('a held address that is not an address of the family is dropped', () => {
    const ledger: FamilyLedger = {
      sightings: new Map([
        ['2001:db8::1', { lastSeenAt: T0, ttl: 60 }],
        ['52.4.7.1', { lastSeenAt: T0, ttl: 60 }],
      ]),
      lastAnswerAt: T0,
      rotationSeenAt: T0,
    };
    const out = damp({ ledger, resolution: addresses('A', ['52.4.7.2', '52.4.7.3'], 60), samplesDisagreed: true, published: ['52.4.7.1', '52.4.7.2'], now: T0 + 1000 });
    expect(values(out.resolution)).toEqual(['52.4.7.1', '52.4.7.2', '52.4.7.3']);
    expect([...out.ledger.sightings.keys()].sort()).toEqual(['52.4.7.1', '52.4.7.2', '52.4.7.3']);
  });

  it('rotation evidence expires: a pool that stopped rotating is mirrored exactly again after the hold-down', () => {
    const m = mirror();
    m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0, true);
    for (let t = 60_000; t <= MIN_HOLD_DOWN_MS; t += 60_000) m.round(addresses('A', ['52.4.7.1', '52.4.7.2'], 60), T0 + t);
    m.round(addresses('A', ['52.4.7.2', '52.4.7.3'], 60), T0 + MIN_HOLD_DOWN_MS + 60_000);
    expect(m.published).toEqual(['52.4.7.2', '52.4.7.3']);
  });
});
