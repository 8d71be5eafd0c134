import type { Change, Family, FailureKind, RecordSets, RecordType } from '../model.js';
import type { RecordConfig } from '../config/types.js';
import type { FamilyResolution, HttpsResolution } from '../resolve/types.js';

/** Everything the planner needs for one record; it does no I/O and reads no clock. */
export interface PlanInput {
  readonly record: Pick<RecordConfig, 'name' | 'families' | 'ttl' | 'maxAddresses' | 'allowSpecialAddresses' | 'allowEmpty' | 'https'> & { readonly target?: string };
  /** One resolution per configured family. */
  readonly resolved: Readonly<Partial<Record<Family, FamilyResolution>>>;
  /** The target's HTTPS RRset, when the record mirrors it. */
  readonly resolvedHttps?: HttpsResolution;
  /** What the provider holds at the name now. */
  readonly current: RecordSets;
}

/** What the planner decided for one record type (an address family, or HTTPS). */
export type FamilyDecision =
  | { readonly family: RecordType; readonly kind: 'unchanged' }
  | { readonly family: RecordType; readonly kind: 'change'; readonly change: Change }
  /** Nothing is written for this type, and the record counts as failed. */
  | { readonly family: RecordType; readonly kind: 'failed'; readonly cause: FailureKind; readonly reason: string };

export interface RecordPlan {
  readonly name: string;
  /** Set when the name holds something apexsync must not overwrite: nothing is planned. */
  readonly conflict?: string;
  readonly decisions: readonly FamilyDecision[];
  /** The changes to send (possibly beside failures of the other family). */
  readonly changes: readonly Change[];
  /** True when any family failed or the name is in conflict. */
  readonly failed: boolean;
}
