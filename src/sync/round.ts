import type { Logger } from 'pino';
import type { RecordConfig } from '../config/types.js';
import type { ZoneSnapshot } from '../../providers/types.js';
import { failedOutcome, ProviderError } from '../../providers/types.js';
import { errorMessage } from '../lib/errors.js';
import type { ApplyOutcome, Change, Failure, Family, RecordSets, RecordType, Stage } from '../model.js';
import { planRecord } from '../plan/index.js';
import type { FamilyDecision, RecordPlan } from '../plan/types.js';
import type { FamilyResolution, HttpsResolution, Resolver } from '../resolve/types.js';
import { mapLimit } from '../lib/concurrency.js';
import { groupBy } from './group-by.js';
import { resolveSampled } from './sampling.js';
import { confirmSameChange, SAME_CHANGE_HINT } from './same-change.js';
import type { ProviderPool } from './provider-pool.js';
import type { RecordReport, RoundReport } from './report.js';
import { servedStep, type RoundVerify } from './served-step.js';

export interface RoundInput {
  readonly records: readonly RecordConfig[];
  readonly resolver: Resolver;
  readonly providers: ProviderPool;
  readonly logger: Logger;
  /** Plan and report only: `apply` is never called. */
  readonly dryRun: boolean;
  /** Lookups of each target, answers united (see sampling.ts); default 1. */
  readonly samples?: number;
  /**
   * Replaces a record's resolutions before planning, given what the provider holds (the daemon's
   * churn damping, src/run/damping.ts). The planner stays pure: damping reaches it as data.
   */
  readonly adjustResolutions?: AdjustResolutions;
  /** Check what the zones' servers serve after the writes (absent: no check). */
  readonly verify?: RoundVerify;
}

export type Resolutions = Readonly<Partial<Record<Family, FamilyResolution>>>;
export type AdjustResolutions = (record: RecordConfig, resolved: Resolutions, current: RecordSets) => Resolutions;

/** Resolutions in flight at once; each is a handful of UDP queries. */
const RESOLVE_CONCURRENCY = 256;

/**
 * The provider's view of one record: its zone, what is published and the snapshot of the read that
 * saw it (apply writes against that snapshot), or why that is unknown.
 */
export type ReadState = (
  | { readonly ok: true; readonly zone: string; readonly current: RecordSets; readonly snapshot: ZoneSnapshot }
  | { readonly ok: false; readonly zone: string | null; readonly failure: Failure }
) & {
  readonly hint?: string;
};

/** A thrown error as a failure at `stage`: a ProviderError keeps its kind; anything else is a plain error. */
export function failureOf(stage: Stage, error: unknown): Failure {
  if (error instanceof ProviderError) return { stage, kind: error.kind, message: error.message, maybeApplied: error.maybeApplied };
  return { stage, kind: 'error', message: errorMessage(error), maybeApplied: false };
}

/**
 * One round (docs/design/round.md): resolve every target, read every provider (one read per zone),
 * plan each record, apply the changes (one call per provider and zone), report. A failure
 * anywhere fails only the records it concerns; the round itself does not throw for it.
 */
export async function runRound(input: RoundInput): Promise<RoundReport> {
  const { records, logger } = input;
  const [resolutions, httpsResolutions, reads] = await Promise.all([resolveTargets(input), resolveHttps(input), readRecords(input.records, input.providers)]);

  const plans = records.map((record, i): RecordPlan | undefined => {
    const state = reads[i]!;
    if (!state.ok) return undefined;
    const resolved = input.adjustResolutions ? input.adjustResolutions(record, resolutions[i]!, state.current) : resolutions[i]!;
    const resolvedHttps = httpsResolutions[i];
    return planRecord({ record, resolved, current: state.current, ...(resolvedHttps ? { resolvedHttps } : {}) });
  });

  const outcomes = input.dryRun ? new Map<number, ApplyOutcome>() : await applyPlans(input, reads, plans);
  const sameChange = await confirmSameChange(records, reads, plans, outcomes, input.providers);
  const served = input.verify
    ? await servedStep(input.verify, { records, reads, plans, outcomes, reread: sameChange }, input.dryRun ? undefined : input.providers, Date.now())
    : undefined;

  const reports = records.map((record, i): RecordReport => {
    const state = reads[i]!;
    const plan = plans[i];
    const base = {
      name: record.name,
      provider: record.provider,
      zone: state.zone,
      target: record.target,
      hints: state.hint ? [state.hint] : [],
      resolved: resolutions[i]!,
      ...(httpsResolutions[i] ? { resolvedHttps: httpsResolutions[i] } : {}),
      ...(state.ok ? { current: state.current } : {}),
    };
    if (!state.ok || plan === undefined) {
      const failure: Failure = state.ok ? { stage: 'plan', kind: 'error', message: 'not planned', maybeApplied: false } : state.failure;
      return { ...base, status: 'failed', changes: [], decisions: [], outcome: null, error: failure };
    }
    const outcome = outcomes.get(i) ?? null;
    const planFailure = describePlanFailure(plan, resolutions[i]!, httpsResolutions[i]);
    const reread = sameChange.get(i);
    const servedReport = served?.served[i];
    const servedPart = servedReport ? { served: servedReport } : {};
    if (reread && planFailure === null) {
      const error = served?.failures[i] ?? null;
      return {
        ...base,
        current: reread,
        hints: [...base.hints, SAME_CHANGE_HINT],
        status: error ? 'failed' : 'in-sync',
        changes: [],
        decisions: plan.decisions,
        outcome: null,
        error,
        ...servedPart,
      };
    }
    const applyFailure = outcome === null ? null : describeApplyFailure(outcome);
    const error =
      (applyFailure && planFailure ? { ...applyFailure, message: `${planFailure.message}; ${applyFailure.message}` } : (applyFailure ?? planFailure)) ??
      served?.failures[i] ??
      null;
    const status = error !== null ? 'failed' : plan.changes.length === 0 ? 'in-sync' : input.dryRun ? 'would-update' : 'updated';
    return { ...base, status, changes: plan.changes, decisions: plan.decisions, outcome, error, ...servedPart };
  });

  for (const r of reports) {
    if (r.error) logger.warn({ record: r.name, provider: r.provider, stage: r.error.stage, kind: r.error.kind }, r.error.message);
    else if (r.status === 'updated')
      logger.info({ record: r.name, provider: r.provider, changes: r.changes.length, served: r.served?.status, servedSeconds: r.served?.seconds }, 'records updated');
  }
  return { dryRun: input.dryRun, records: reports };
}

/** Each distinct target and family is resolved once per round, however many records share it. */
async function resolveTargets(input: RoundInput): Promise<Array<Partial<Record<Family, FamilyResolution>>>> {
  const wanted = new Map<string, { target: string; family: Family }>();
  for (const record of input.records) for (const family of record.families) wanted.set(`${family} ${record.target}`, { target: record.target, family });
  const keys = [...wanted.keys()];
  const results = await mapLimit(keys, RESOLVE_CONCURRENCY, async (key) => {
    const { target, family } = wanted.get(key)!;
    try {
      return await resolveSampled(input.resolver, target, family, input.samples ?? 1);
    } catch (error) {
      // The resolver returns failures as values; a throw is a bug, reported as a failure all the same.
      return { kind: 'failure', family, reason: `resolver error: ${errorMessage(error)}`, cause: 'error', chain: [] } satisfies FamilyResolution;
    }
  });
  const byKey = new Map(keys.map((key, i) => [key, results[i]!]));
  return input.records.map((record) => Object.fromEntries(record.families.map((family) => [family, byKey.get(`${family} ${record.target}`)!])));
}

/** The HTTPS RRset of each distinct target of a record that mirrors it, once per round. */
async function resolveHttps(input: RoundInput): Promise<Array<HttpsResolution | undefined>> {
  const targets = [...new Set(input.records.filter((r) => r.https === 'mirror').map((r) => r.target))];
  if (targets.length === 0) return input.records.map(() => undefined);
  const results = await mapLimit(targets, RESOLVE_CONCURRENCY, async (target): Promise<HttpsResolution> => {
    try {
      if (input.resolver.resolveHttps === undefined) return { kind: 'failure', family: 'HTTPS', reason: 'this resolver cannot look up HTTPS records', cause: 'error', chain: [] };
      return await input.resolver.resolveHttps(target);
    } catch (error) {
      return { kind: 'failure', family: 'HTTPS', reason: `resolver error: ${errorMessage(error)}`, cause: 'error', chain: [] };
    }
  });
  const byTarget = new Map(targets.map((target, i) => [target, results[i]!]));
  return input.records.map((record) => (record.https === 'mirror' ? byTarget.get(record.target) : undefined));
}

/**
 * Zone discovery, then one `read` per provider and zone with every managed name in it.
 * Also the whole of `apexsync check`.
 */
export async function readRecords(records: readonly RecordConfig[], providers: ProviderPool): Promise<ReadState[]> {
  const states = new Array<ReadState>(records.length);
  const byProvider = groupBy(
    records.map((_, i) => i),
    (i) => records[i]!.provider,
  );
  await Promise.all(
    [...byProvider].map(async ([providerId, indexes]) => {
      let provider;
      try {
        provider = await providers.get(providerId);
      } catch (error) {
        for (const i of indexes) states[i] = { ok: false, zone: records[i]!.zone ?? null, failure: failureOf('provider', error) };
        return;
      }
      const hints = new Map(indexes.map((i) => [i, provider.hintFor?.(records[i]!.target)]));
      const zones = await Promise.all(
        indexes.map(async (i) => {
          const record = records[i]!;
          if (record.zone !== undefined) return record.zone;
          try {
            return await provider.findZone(record.name);
          } catch (error) {
            states[i] = { ok: false, zone: null, failure: failureOf('zone', error) };
            return undefined;
          }
        }),
      );
      const byZone = groupBy(indexes, (_recordIndex, k) => zones[k]);
      await Promise.all(
        [...byZone].map(async ([zone, zoneIndexes]) => {
          const names = [...new Set(zoneIndexes.map((i) => records[i]!.name))];
          try {
            const types = typesToRead(zoneIndexes.map((i) => records[i]!));
            const snapshot = await provider.read(zone, names, types);
            for (const i of zoneIndexes) {
              const sets = snapshot.records.get(records[i]!.name);
              states[i] = sets
                ? { ok: true, zone, current: sets, snapshot }
                : { ok: false, zone, failure: { stage: 'read', kind: 'error', message: 'the provider returned nothing for this name', maybeApplied: false } };
            }
          } catch (error) {
            const failure = failureOf('read', error);
            for (const i of zoneIndexes) states[i] = { ok: false, zone, failure };
          }
        }),
      );
      for (const [i, hint] of hints) if (hint !== undefined && states[i]) states[i] = { ...states[i]!, hint };
    }),
  );
  return states;
}

/** The record types the records of one zone are planned for: their families, and HTTPS when one asks for it. */
function typesToRead(records: readonly RecordConfig[]): RecordType[] {
  const types = new Set<RecordType>(['A', 'AAAA']);
  if (records.some((r) => r.https !== undefined && r.https !== 'off')) types.add('HTTPS');
  return [...types];
}

/** One `apply` per provider and zone, carrying the changes of every record in it. */
async function applyPlans(input: RoundInput, reads: readonly ReadState[], plans: ReadonlyArray<RecordPlan | undefined>): Promise<Map<number, ApplyOutcome>> {
  const outcomes = new Map<number, ApplyOutcome>();
  const groups = new Map<string, { providerId: string; snapshot: ZoneSnapshot; indexes: number[] }>();
  input.records.forEach((record, i) => {
    const state = reads[i]!;
    const plan = plans[i];
    if (!state.ok || !plan || plan.changes.length === 0) return;
    const key = `${record.provider}\u0000${state.zone}`;
    const group = groups.get(key) ?? { providerId: record.provider, snapshot: state.snapshot, indexes: [] };
    group.indexes.push(i);
    groups.set(key, group);
  });
  await Promise.all(
    [...groups.values()].map(async ({ providerId, snapshot, indexes }) => {
      const changes: Change[] = indexes.flatMap((i) => plans[i]!.changes);
      let byName: Map<string, ApplyOutcome>;
      try {
        const provider = await input.providers.get(providerId);
        const targets = new Map(indexes.map((i) => [input.records[i]!.name, input.records[i]!.target]));
        byName = await provider.apply(snapshot, changes, { targets });
      } catch (error) {
        // A ProviderError that says nothing was sent is a refusal; any other throw may have happened after a write.
        const outcome: ApplyOutcome = error instanceof ProviderError ? failedOutcome(error) : { status: 'unconfirmed', kind: 'unconfirmed', message: errorMessage(error) };
        byName = new Map(indexes.map((i) => [input.records[i]!.name, outcome]));
      }
      for (const i of indexes) {
        outcomes.set(i, byName.get(input.records[i]!.name) ?? { status: 'unconfirmed', kind: 'unconfirmed', message: 'the provider reported nothing for this name' });
      }
    }),
  );
  return outcomes;
}

function describePlanFailure(plan: RecordPlan, resolved: Partial<Record<Family, FamilyResolution>>, https: HttpsResolution | undefined): Failure | null {
  const lookupFailed = (d: FamilyDecision): boolean => (d.family === 'HTTPS' ? https?.kind === 'failure' : resolved[d.family]?.kind === 'failure');
  if (plan.conflict !== undefined) return { stage: 'plan', kind: 'conflict', message: `conflict: ${plan.conflict}; apexsync will not overwrite it`, maybeApplied: false };
  const failed = plan.decisions.flatMap((d) => (d.kind === 'failed' ? [d] : []));
  if (failed.length === 0) return null;
  const stage: Stage = failed.every(lookupFailed) ? 'resolve' : 'plan';
  // A planner refusal (special address, empty) says more than a lookup failure beside it.
  const first = failed.find((d) => !lookupFailed(d)) ?? failed[0]!;
  return { stage, kind: first.cause, message: failed.map((d) => `${d.family}: ${d.reason}`).join('; '), maybeApplied: false };
}

function describeApplyFailure(outcome: ApplyOutcome): Failure | null {
  switch (outcome.status) {
    case 'applied':
      return null;
    case 'not-applied':
      return { stage: 'apply', kind: outcome.kind, message: `not applied (${outcome.kind}): ${outcome.message}`, maybeApplied: false };
    case 'unconfirmed':
      return {
        stage: 'apply',
        kind: outcome.kind,
        message: `could not confirm: ${outcome.message}; the records may or may not have changed, the next run re-reads them`,
        maybeApplied: true,
      };
  }
}
