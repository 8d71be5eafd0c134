/**
 * Fakes for the daemon's unit tests (not a test file itself): a manual clock, a seeded random
 * source, a scriptable resolver and an in-memory provider that counts its calls.
 */
import { pino } from 'pino';
import type { Config, RecordConfig } from '../../src/config/types.js';
import type { ApplyOutcome, Change, Family, RecordSet, RecordSets, RecordType } from '../../src/model.js';
import type { FamilyResolution, Resolver } from '../../src/resolve/types.js';
import type { Clock, Random } from '../../src/lib/clock.js';
import { ProviderPool } from '../../src/sync/provider-pool.js';
import type { Provider, ProviderCapabilities, ZoneSnapshot } from '../../providers/types.js';

export const silentLogger = pino({ level: 'silent' });

/**
 * Timers fire only when the test advances time; rounds (promises) settle in between. The wall
 * clock and the monotonic one start at different values and advance together, unless a test
 * steps the wall clock on its own (`stepWall`), as NTP or an operator would.
 */
export class ManualClock implements Clock {
  #monotonic = 5_000;
  #wallOffset: number;
  #timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  #seq = 0;
  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#wallOffset = start - this.#monotonic;
  }
  now(): number {
    return this.#monotonic + this.#wallOffset;
  }
  monotonic(): number {
    return this.#monotonic;
  }
  /** Moves the wall clock alone by `ms` (negative: back); timers and the monotonic reading stay. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.#monotonic + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
  get pendingTimers(): number {
    return this.#timers.length;
  }
  /** Runs every timer due up to now + ms, in order, letting async work settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#monotonic + ms;
    await settle();
    for (;;) {
      const next = [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > end) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#monotonic = next.at;
      next.fn();
      await settle();
    }
    this.#monotonic = end;
    await settle();
  }
}

/** Lets pending promise chains (a round: resolve → read → plan → apply) run to the end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** mulberry32: a small seeded PRNG, so "random" pools are the same on every run. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct items of `pool`, drawn with `random`. */
export function pick(pool: readonly string[], count: number, random: Random): string[] {
  const rest = [...pool];
  const out: string[] = [];
  while (out.length < count && rest.length > 0) out.push(rest.splice(Math.floor(random() * rest.length), 1)[0]!);
  return out;
}

export type Answer = (target: string, family: Family) => FamilyResolution;

/** A resolver answering from a function, recording each lookup's time. */
export class ScriptedResolver implements Resolver {
  readonly lookups: Array<{ at: number; target: string; family: Family }> = [];
  constructor(
    private readonly clock: Clock,
    public answer: Answer,
  ) {}
  resolve(target: string, family: Family): Promise<FamilyResolution> {
    this.lookups.push({ at: this.clock.now(), target, family });
    return Promise.resolve(this.answer(target, family));
  }
  lookupsOf(target: string, family: Family = 'A'): number[] {
    return this.lookups.filter((l) => l.target === target && l.family === family).map((l) => l.at);
  }
}

export const addresses = (family: Family, values: readonly string[], ttl: number): FamilyResolution => ({ kind: 'addresses', family, addresses: [...values], ttl, chain: [] });
export const failure = (family: Family, reason = 'SERVFAIL from 127.0.0.1:53'): FamilyResolution => ({ kind: 'failure', family, reason, cause: 'servfail', chain: [] });

/** One zone held in memory; counts reads and applies, records every applied change. */
export class MemoryProvider implements Provider {
  readonly capabilities: ProviderCapabilities = { atomicity: 'zone', compareAndSwap: true, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA'] };
  readonly sets = new Map<string, RecordSets>();
  reads = 0;
  readonly applies: Array<{ at: number; zone: string; changes: readonly Change[] }> = [];
  /** When set, apply waits for this promise first (a slow write). */
  applyGate: Promise<void> | undefined;
  constructor(
    private readonly zone: string,
    private readonly clock: Clock,
  ) {}
  findZone(): Promise<string> {
    return Promise.resolve(this.zone);
  }
  read(zone: string, names: readonly string[]): Promise<ZoneSnapshot> {
    this.reads++;
    return Promise.resolve({ zone, records: new Map(names.map((n) => [n, this.sets.get(n) ?? {}])), state: undefined });
  }
  async apply(snapshot: ZoneSnapshot, changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
    const zone = snapshot.zone;
    if (this.applyGate) await this.applyGate;
    this.applies.push({ at: this.clock.now(), zone, changes });
    const outcomes = new Map<string, ApplyOutcome>();
    for (const change of changes) {
      const current: Partial<Record<RecordType, RecordSet>> = { ...this.sets.get(change.name) };
      if (change.after === null) delete current[change.family];
      else current[change.family] = change.after;
      this.sets.set(change.name, current);
      outcomes.set(change.name, { status: 'applied' });
    }
    return outcomes;
  }
  values(name: string, family: Family = 'A'): string[] {
    return [...(this.sets.get(name)?.[family]?.values ?? [])].sort();
  }
}

/** A pool handing out in-memory providers by id instead of loading adapters. */
export class FakeProviderPool extends ProviderPool {
  closed = 0;
  constructor(readonly fakes: Record<string, Provider>) {
    super({}, silentLogger);
  }
  override get(id: string): Promise<Provider> {
    const provider = this.fakes[id];
    return provider ? Promise.resolve(provider) : Promise.reject(new Error(`no provider '${id}'`));
  }
  override closeAll(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

export function record(over: Partial<RecordConfig> & Pick<RecordConfig, 'name' | 'target'>): RecordConfig {
  return {
    provider: 'mem',
    zone: 'example.com',
    families: ['A'],
    ttl: { kind: 'range', min: 60, max: 3600 },
    maxAddresses: 8,
    allowSpecialAddresses: false,
    allowEmpty: false,
    ...over,
  };
}

export function config(records: readonly RecordConfig[], over: Partial<Config> = {}): Config {
  return {
    file: '/tmp/apexsync-test.yaml',
    resolver: { servers: [{ host: '127.0.0.1', port: 53 }], timeoutMs: 500, attempts: 1 },
    providers: { mem: { type: 'zonefile', file: '/nonexistent' } },
    // The in-memory provider has no servers to ask.
    verify: { mem: { mode: 'off', timeoutMs: 60_000, always: [] } },
    records,
    schedule: '*/5 * * * *',
    server: { listen: { host: '127.0.0.1', port: 9797 } },
    logLevel: undefined,
    interval: { minMs: 30_000, maxMs: 900_000 },
    staleAfterMs: 2_700_000,
    damping: { holdDownMs: undefined, samples: 1 },
    heartbeat: undefined,
    notify: [],
    ...over,
  };
}
