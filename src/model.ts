/**
 * The vocabulary shared by the resolver, the planner, the providers and the reports.
 *
 * Names are always normalised (see `src/names.ts`): lower case, no trailing dot.
 * Address values are always normalised text (IPv4 dotted quad, IPv6 per RFC 5952), sorted.
 */

export type Family = 'A' | 'AAAA';
export const FAMILIES: readonly Family[] = ['A', 'AAAA'];

/**
 * The record types a provider may be asked to write (see ProviderCapabilities.recordTypes): the
 * address families, and HTTPS (RFC 9460) when a record asks to carry the target's over.
 */
export type RecordType = Family | 'HTTPS';
export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'HTTPS'];

/**
 * One published RRset: a TTL and its values (normalised, de-duplicated, sorted). Addresses for A
 * and AAAA; for HTTPS, each record's canonical presentation form (src/dns/svcb.ts), so equal
 * texts mean equal records.
 */
export interface RecordSet {
  readonly ttl: number;
  readonly values: readonly string[];
}

/**
 * What a provider holds at one owner name. Families absent from the object have no records.
 * `conflict` names something at the name that apexsync must not overwrite (a CNAME, a Route 53
 * alias, a weighted set…), in words an operator understands.
 */
export interface RecordSets {
  readonly A?: RecordSet;
  readonly AAAA?: RecordSet;
  /** Read only from providers that can write HTTPS (absent otherwise: unknown, never "none"). */
  readonly HTTPS?: RecordSet;
  readonly conflict?: string;
}

/** One record type's change at one name. `before` is the state that was read (for compare-and-swap). */
export type Change =
  | { readonly action: 'create'; readonly name: string; readonly family: RecordType; readonly before: null; readonly after: RecordSet }
  | { readonly action: 'update'; readonly name: string; readonly family: RecordType; readonly before: RecordSet; readonly after: RecordSet }
  | { readonly action: 'delete'; readonly name: string; readonly family: RecordType; readonly before: RecordSet; readonly after: null };

export type ChangeAction = Change['action'];

/** Where in a round a record failed. */
export type Stage = 'config' | 'provider' | 'zone' | 'read' | 'resolve' | 'plan' | 'apply' | 'verify';

/**
 * What kind of failure it was: set where the failure happens, carried unchanged to the report,
 * the JSON output, the logs and the `kind` label of apexsync_errors_total.
 */
export type FailureKind =
  // Resolving the target.
  | 'timeout'
  | 'servfail'
  | 'refused'
  | 'malformed'
  | 'chain'
  // Planning.
  | 'special-address'
  | 'empty'
  | 'conflict'
  // Providers ('conflict': changed by someone else since it was read; 'timeout' too).
  | 'auth'
  | 'rate-limit'
  | 'rejected'
  | 'not-found'
  | 'unreachable'
  | 'unconfirmed'
  | 'config'
  | 'error';

/** One failure, in words for the operator (one line, never a secret) and as data. */
export interface Failure {
  readonly stage: Stage;
  readonly kind: FailureKind;
  readonly message: string;
  /** A write was sent and may have taken effect: the outcome is unknown until the next read. */
  readonly maybeApplied: boolean;
}

/**
 * What happened to the changes of one name when they were sent.
 * - applied: the provider confirmed the write.
 * - not-applied: the provider refused it; the published records are as they were, except the
 *   types in `appliedTypes` (providers whose atomicity is per record set, where one type's write
 *   landed before another's failed).
 * - unconfirmed: the outcome is unknown (a timeout after the request was sent); the next round
 *   re-reads the provider.
 */
export type ApplyOutcome =
  | { readonly status: 'applied'; readonly detail?: string }
  | { readonly status: 'not-applied'; readonly kind: FailureKind; readonly message: string; readonly appliedTypes?: readonly RecordType[] }
  | { readonly status: 'unconfirmed'; readonly kind: FailureKind; readonly message: string; readonly appliedTypes?: readonly RecordType[] };
