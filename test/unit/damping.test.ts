import { describe, expect, it } from 'vitest';
import { planRecord } from '../../src/plan/index.js';
import type { RecordSets } from '../../src/model.js';
import type { FamilyResolution } from '../../src/resolve/types.js';
import { dampFamily, EMPTY_LEDGER, holdDownOf, MIN_HOLD_DOWN_MS, type FamilyLedger } from '../../src/run/damping.js';
import { unionOfSamples } from '../../src/sync/sampling.js';
import { addresses, failure, pick, seeded } from './run-fakes.js';

const POOL = ['52.4.7.1', '52.4.7.2', '52.4.7.3', '52.4.7.4', '52.4.7.5', '52.4.7.6', '52.4.7.7', '52.4.7.8'];
const NEW_POOL = ['34.200.1.1', '34.200.1.2', '34.200.1.3', '34.200.1.4', '34.200.1.5', '34.200.1.6', '34.200.1.7', '34.200.1.8'];
const T0 = 1_700_000_000_000;
const record = { name: 'example.com', families: ['A'] as const, ttl: { kind: 'range' as const, min: 60, max: 3600 }, maxAddresses: 8, allowSpecialAddresses: false, allowEmpty: false };

/**
 * A record mirrored round after round through the ledger and the real planner, against a
 * published set held here: what the daemon does, minus the I/O. Counts the writes.
 */
const SAMPLES = 3; // damping.samples default: lookups per round, united

/** One round's answer: the union of `samples` lookups of a target answering 4 of `pool` at random. */
function sampledAnswer(pool: readonly string[], random: () => number, samples = SAMPLES): FamilyResolution {
  return unionOfSamples(Array.from({ length: samples }, () => addresses('A', pick(pool, 4, random), 60)));
}

function mirror(options: { holdDownMs?: number; maxAddresses?: number } = {}) {
  let ledger: FamilyLedger = EMPTY_LEDGER;
  let published: RecordSets = {};
  const writes: number[] = [];
  return {
    round(answer: FamilyResolution, now: number): void {
      const out = dampFamily({ ledger, resolution: answer, published: published.A?.values ?? [], now, holdDownMs: options.holdDownMs, maxAddresses: options.maxAddresses ?? 8 });
      ledger = out.ledger;
      const plan = planRecord({ record: { ...record, families: ['A'], maxAddresses: options.maxAddresses ?? 8 }, resolved: { A: out.resolution }, current: published });
      for (const change of plan.changes) {
        published = change.after === null ? {} : { A: change.after };
        writes.push(now);
      }
    },
    get published(): string[] {
      return [...(published.A?.values ?? [])].sort();
    },
    writes,
  };
}

describe('churn damping ledger', () => {
  it('publishes a newly seen address at once', () => {
    const first = dampFamily({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1'], 60), published: [], now: T0, holdDownMs: undefined, maxAddresses: 8 });
    const second = dampFamily({ ledger: first.ledger, resolution: addresses('A', ['52.4.7.2'], 60), published: ['52.4.7.1'], now: T0 + 60_000, holdDownMs: undefined, maxAddresses: 8 });
    expect(second.resolution).toEqual(addresses('A', ['52.4.7.1', '52.4.7.2'], 60));
  });

  it('drops an address only once it has been absent from every answer for the hold-down', () => {
    let ledger = dampFamily({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1', '52.4.7.2'], 60), published: [], now: T0, holdDownMs: undefined, maxAddresses: 8 }).ledger;
    const at = (ms: number) => {
      const out = dampFamily({ ledger, resolution: addresses('A', ['52.4.7.2'], 60), published: ['52.4.7.1', '52.4.7.2'], now: T0 + ms, holdDownMs: undefined, maxAddresses: 8 });
      ledger = out.ledger;
      return out.resolution.kind === 'addresses' ? out.resolution.addresses : [];
    };
    // TTL 60 → hold-down max(2 × 60 s, 5 min) = 5 min after the last sighting at T0.
    expect(at(60_000)).toEqual(['52.4.7.1', '52.4.7.2']);
    expect(at(MIN_HOLD_DOWN_MS - 1)).toEqual(['52.4.7.1', '52.4.7.2']);
    expect(at(MIN_HOLD_DOWN_MS)).toEqual(['52.4.7.2']);
    expect(ledger.has('52.4.7.1')).toBe(false);
  });

  it('hold-down is twice the TTL the address was last answered with, at least 5 minutes, unless configured', () => {
    expect(holdDownOf({ lastSeenAt: T0, ttl: 60 }, undefined)).toBe(300_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 3600 }, undefined)).toBe(7_200_000);
    expect(holdDownOf({ lastSeenAt: T0, ttl: 3600 }, 90_000)).toBe(90_000);
  });

  it('passes failures through without touching the ledger, and does nothing when turned off (holdDown 0)', () => {
    const ledger = dampFamily({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1'], 60), published: [], now: T0, holdDownMs: undefined, maxAddresses: 8 }).ledger;
    const failed = failure('A');
    const out = dampFamily({ ledger, resolution: failed, published: ['52.4.7.1'], now: T0 + 1000, holdDownMs: undefined, maxAddresses: 8 });
    expect(out.resolution).toBe(failed);
    expect(out.ledger).toBe(ledger);
    const off = dampFamily({ ledger, resolution: addresses('A', ['52.4.7.2'], 60), published: ['52.4.7.1'], now: T0 + 1000, holdDownMs: 0, maxAddresses: 8 });
    expect(off.resolution).toEqual(addresses('A', ['52.4.7.2'], 60));
    expect(off.ledger.size).toBe(0);
  });

  it('keeps publishing held addresses through an empty answer until their hold-down ends', () => {
    const ledger = dampFamily({ ledger: EMPTY_LEDGER, resolution: addresses('A', ['52.4.7.1'], 60), published: [], now: T0, holdDownMs: undefined, maxAddresses: 8 }).ledger;
    const nodata: FamilyResolution = { kind: 'empty', family: 'A', reason: 'NODATA', chain: [] };
    expect(dampFamily({ ledger, resolution: nodata, published: ['52.4.7.1'], now: T0 + 60_000, holdDownMs: undefined, maxAddresses: 8 }).resolution).toEqual(addresses('A', ['52.4.7.1'], 60));
    expect(dampFamily({ ledger, resolution: nodata, published: ['52.4.7.1'], now: T0 + MIN_HOLD_DOWN_MS, holdDownMs: undefined, maxAddresses: 8 }).resolution).toBe(nodata);
  });

  it('under maxAddresses keeps the published subset of a larger pool instead of rotating it', () => {
    const big = Array.from({ length: 12 }, (_, i) => `52.4.8.${i + 1}`);
    let ledger: FamilyLedger = EMPTY_LEDGER;
    for (const [i, slice] of [big.slice(0, 6), big.slice(6, 12)].entries()) {
      ledger = dampFamily({ ledger, resolution: addresses('A', slice, 60), published: [], now: T0 + i, holdDownMs: undefined, maxAddresses: 4 }).ledger;
    }
    const published = ['52.4.8.1', '52.4.8.2', '52.4.8.3', '52.4.8.7'];
    // The answer overlaps what is published (52.4.8.2): a rotation. The published four stay.
    const out = dampFamily({ ledger, resolution: addresses('A', ['52.4.8.2', '52.4.8.9', '52.4.8.10'], 60), published, now: T0 + 10, holdDownMs: undefined, maxAddresses: 4 });
    expect(out.resolution.kind === 'addresses' && out.resolution.addresses).toEqual(published);
  });

  it('when the answer shares nothing with what is published (a move), the answer goes first', () => {
    const ledger = dampFamily({ ledger: EMPTY_LEDGER, resolution: addresses('A', POOL, 60), published: [], now: T0, holdDownMs: undefined, maxAddresses: 8 }).ledger;
    const out = dampFamily({ ledger, resolution: addresses('A', NEW_POOL.slice(0, 3), 60), published: POOL, now: T0 + 60_000, holdDownMs: undefined, maxAddresses: 8 });
    const published = out.resolution.kind === 'addresses' ? out.resolution.addresses : [];
    expect(published).toHaveLength(8);
    for (const address of NEW_POOL.slice(0, 3)) expect(published).toContain(address);
  });

  it('a target answering 4 of 8 addresses at random settles, then causes no write for 50 rounds (3 lookups per round)', () => {
    const random = seeded(42);
    const m = mirror();
    let now = T0;
    // Settling: each round adds what it newly sees; 8 rounds of 4 random addresses see the whole pool here.
    for (let i = 0; i < 5; i++, now += 60_000) m.round(sampledAnswer(POOL, random), now);
    expect(m.published).toEqual([...POOL].sort());
    const settledWrites = m.writes.length;
    expect(settledWrites).toBeGreaterThanOrEqual(1);
    expect(settledWrites).toBeLessThanOrEqual(5);
    for (let i = 0; i < 50; i++, now += 60_000) m.round(sampledAnswer(POOL, random), now);
    expect(m.writes.length).toBe(settledWrites);
    expect(m.published).toEqual([...POOL].sort());
  });

  it('without damping the same target rewrites the record on almost every round', () => {
    const random = seeded(42);
    const m = mirror({ holdDownMs: 0 });
    let now = T0;
    for (let i = 0; i < 55; i++, now += 60_000) m.round(addresses('A', pick(POOL, 4, random), 60), now);
    expect(m.writes.length).toBeGreaterThan(40);
  });

  it('a real pool migration (all old addresses gone) is fully published within the hold-down plus one interval', () => {
    const random = seeded(7);
    const m = mirror();
    const interval = 60_000;
    let now = T0;
    for (let i = 0; i < 10; i++, now += interval) m.round(sampledAnswer(POOL, random), now);
    expect(m.published).toEqual([...POOL].sort());
    const migratedAt = now;
    const seenNew = new Set<string>();
    let firstNewPublishedAt: number | undefined;
    let fullyMigratedAt: number | undefined;
    for (; now <= migratedAt + MIN_HOLD_DOWN_MS + 3 * interval; now += interval) {
      const answer = sampledAnswer(NEW_POOL, random);
      if (answer.kind === 'addresses') for (const a of answer.addresses) seenNew.add(a);
      m.round(answer, now);
      if (firstNewPublishedAt === undefined && m.published.some((a) => NEW_POOL.includes(a))) firstNewPublishedAt = now;
      if (fullyMigratedAt === undefined && m.published.every((a) => NEW_POOL.includes(a))) fullyMigratedAt = now;
    }
    // The move shows in the very first round after it (the answer shares nothing with the record)...
    expect(firstNewPublishedAt).toBe(migratedAt);
    // ...and no old address is left after the hold-down plus one interval.
    expect(fullyMigratedAt).toBeDefined();
    expect(fullyMigratedAt!).toBeLessThanOrEqual(migratedAt + MIN_HOLD_DOWN_MS + interval);
    expect(m.published).toEqual([...seenNew].sort());
    expect(seenNew.size).toBe(8);
  });
});
