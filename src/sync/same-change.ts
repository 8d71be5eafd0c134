import type { RecordConfig } from '../config/types.js';
import type { ApplyOutcome, RecordSets } from '../model.js';
import type { RecordPlan } from '../plan/types.js';
import { groupBy } from './group-by.js';
import type { ProviderPool } from './provider-pool.js';
import type { ReadState } from './round.js';

/** What the report says about a record whose write another writer had already made. */
export const SAME_CHANGE_HINT = 'another writer (a second apexsync on this config?) had already made this change; nothing was written';

/**
 * A write refused as a conflict (the records changed after they were read) is, with two replicas
 * on one config, usually the other replica making the very same change. The names whose write
 * was refused that way are read again; where the provider now holds, for every family the plan
 * changed, exactly the addresses the plan wanted, that record is in sync: nothing is missing and
 * nothing needs writing. Returns those records (by index) with what the new read saw. A failed
 * re-read changes nothing: the conflict stands and the next round reads afresh.
 */
export async function confirmSameChange(
  records: readonly RecordConfig[],
  reads: readonly ReadState[],
  plans: ReadonlyArray<RecordPlan | undefined>,
  outcomes: ReadonlyMap<number, ApplyOutcome>,
  providers: ProviderPool,
): Promise<Map<number, RecordSets>> {
  const confirmed = new Map<number, RecordSets>();
  const conflicted = [...outcomes].flatMap(([i, outcome]) => (outcome.status === 'not-applied' && outcome.kind === 'conflict' && reads[i]!.zone !== null ? [i] : []));
  if (conflicted.length === 0) return confirmed;
  const groups = groupBy(conflicted, (i) => `${records[i]!.provider}\u0000${reads[i]!.zone!}`);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const { provider: providerId } = records[indexes[0]!]!;
      try {
        const provider = await providers.get(providerId);
        const snapshot = await provider.read(
          reads[indexes[0]!]!.zone!,
          indexes.map((i) => records[i]!.name),
        );
        for (const i of indexes) {
          const now = snapshot.records.get(records[i]!.name);
          if (now && holdsWhatWasPlanned(now, plans[i]!)) confirmed.set(i, now);
        }
      } catch {
        // The conflict is reported as it was.
      }
    }),
  );
  return confirmed;
}

function holdsWhatWasPlanned(now: RecordSets, plan: RecordPlan): boolean {
  if (now.conflict !== undefined) return false;
  return plan.changes.every((change) => {
    const published = now[change.family]?.values ?? [];
    const wanted = change.after?.values ?? [];
    return published.length === wanted.length && published.every((value, i) => value === wanted[i]);
  });
}
