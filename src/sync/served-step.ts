import type { ProviderVerify } from '../config/verify.js';
import type { RecordConfig } from '../config/types.js';
import type { ApplyOutcome, Failure, RecordSets } from '../model.js';
import type { RecordPlan } from '../plan/types.js';
import { ConcurrencyLimiter } from '../resolve/limiter.js';
import { checkServed, describeServed, VERIFY_CONCURRENCY, type Healer, type ServedReport, type ServerDiscovery, type ServedCheckItem } from '../verify/index.js';
import type { ProviderPool } from './provider-pool.js';
import type { ReadState } from './round.js';

/** How a round checks what the servers serve (absent: no check, as for in-memory test providers). */
export interface RoundVerify {
  readonly settings: Readonly<Record<string, ProviderVerify>>;
  readonly discovery: ServerDiscovery;
  /** sync: wait (up to the timeout) for writes to propagate; the daemon comes back at the next due time. */
  readonly wait: boolean;
  /** The daemon: when a record was written in an earlier round whose propagation it still awaits. */
  readonly writtenAt?: (record: RecordConfig) => number | undefined;
}

export interface ServedStep {
  readonly served: ReadonlyArray<ServedReport | undefined>;
  /** A failure of stage 'verify' per record: a failed heal, or a diverged record under `mode: require`. */
  readonly failures: ReadonlyArray<Failure | undefined>;
}

/**
 * After the writes: what each record's servers should now answer (the plan where it was sent,
 * what the provider holds otherwise), checked against what they do answer.
 */
/** What the round knows by the time its writes are done. */
export interface RoundSoFar {
  readonly records: readonly RecordConfig[];
  readonly reads: readonly ReadState[];
  readonly plans: ReadonlyArray<RecordPlan | undefined>;
  readonly outcomes: ReadonlyMap<number, ApplyOutcome>;
  /** Records whose refused write turned out to be in place already (someone wrote the same): what is there now. */
  readonly reread: ReadonlyMap<number, RecordSets>;
}

export async function servedStep(verify: RoundVerify, round: RoundSoFar, providers: ProviderPool | undefined, appliedAt: number): Promise<ServedStep> {
  const { records, reads, plans, outcomes, reread } = round;
  const items = records.map((record, i): ServedCheckItem | undefined => {
    const state = reads[i]!;
    const plan = plans[i];
    if (!state.ok || plan === undefined || state.current.conflict !== undefined) return undefined;
    const outcome = outcomes.get(i);
    const sent = outcome !== undefined && outcome.status !== 'not-applied';
    const held = reread.get(i) ?? state.current;
    const planned: Record<string, unknown> = {};
    for (const family of record.families) {
      const change = sent ? plan.changes.find((c) => c.family === family) : undefined;
      const set = change !== undefined ? change.after : held[family];
      if (set) planned[family] = set;
    }
    // Only an applied write waits for propagation; an unconfirmed one is checked once.
    const writtenAt = outcome?.status === 'applied' ? appliedAt : verify.writtenAt?.(record);
    return {
      providerId: record.provider,
      zone: state.zone,
      target: { name: record.name, families: record.families, planned: planned as RecordSets, ...(writtenAt !== undefined ? { writtenAt } : {}) },
    };
  });
  const healerOf = providers
    ? async (providerId: string): Promise<Healer | undefined> => {
        const provider = await providers.get(providerId).catch(() => undefined);
        return provider?.heal?.bind(provider);
      }
    : undefined;
  const result = await checkServed({
    items,
    verify: verify.settings,
    discovery: verify.discovery,
    limiter: new ConcurrencyLimiter(VERIFY_CONCURRENCY),
    wait: verify.wait,
    ...(healerOf ? { healerOf } : {}),
  });
  const failures = records.map((record, i): Failure | undefined => {
    const healFailure = result.healFailures[i];
    if (healFailure !== undefined) return { stage: 'verify', kind: 'error', message: healFailure, maybeApplied: false };
    const served = result.served[i];
    if (served?.status === 'diverged' && verify.settings[record.provider]?.mode === 'require') {
      return { stage: 'verify', kind: 'unconfirmed', message: describeServed(served), maybeApplied: false };
    }
    return undefined;
  });
  return { served: result.served, failures };
}
