import type { Logger } from 'pino';
import type { ApplyOutcome, Change, Family, FailureKind, RecordSets, RecordType } from '../src/model.js';

/**
 * A DNS provider adapter (docs/design/provider-contract.md). The core calls, per round:
 * `findZone` for records without a configured zone, then `read` once per zone with every managed
 * name in it, then `apply` once per zone with every change planned for it and the snapshot that
 * read returned (never during a dry run). `apply` writes against that snapshot only: no adapter
 * keeps state from one call to the next beyond its zone directory.
 *
 * Contract on failure: `read` and `findZone` throw `ProviderError` when they cannot answer (the
 * core fails the affected records and carries on with the rest). `apply` does not throw for a
 * provider's refusal: it returns one outcome per name present in `changes`, saying whether that
 * name's changes were applied, not applied (records as they were), or could not be confirmed.
 * A throw from `apply` is treated as "could not confirm" for every name in the call.
 */
export interface Provider<State = unknown> {
  readonly capabilities: ProviderCapabilities;
  /** The zone (normalised name) that holds `name`. */
  findZone(name: string): Promise<string>;
  /**
   * Current records (and any conflict) at each of `names` in `zone`, with what apply needs to
   * write against them. `types`: the record types the core will plan for at these names (A and
   * AAAA always; HTTPS when a record asks for it); a provider whose reads cost a query per type
   * reads only those, others may return more.
   */
  read(zone: string, names: readonly string[], types?: readonly RecordType[]): Promise<ZoneSnapshot<State>>;
  /** Write `changes` (all in the snapshot's zone), atomically and compare-and-swap as `capabilities` say. */
  apply(snapshot: ZoneSnapshot<State>, changes: readonly Change[], context: ApplyContext): Promise<Map<string, ApplyOutcome>>;
  /**
   * A one-line piece of advice about a target for this provider, or undefined (e.g. Route 53:
   * "this target is an ELB; a native alias record would never go stale"). Optional.
   */
  hintFor?(target: string): string | undefined;
  /**
   * Work the provider owes the served state of `zone`, called once per round after the writes
   * (never in a dry run), and again with `lagging` true when its servers were found not serving
   * what it holds. Returns why it failed (a failure of every record of the zone), or undefined.
   * Optional, and present only when the provider can act: the zone-file provider with a
   * `reloadCommand` re-runs it here.
   */
  heal?(zone: string, lagging: boolean): Promise<string | undefined>;
  /** Release sockets and clients. Optional. */
  close?(): Promise<void>;
}

/** What one read saw: the records at each name asked for, and what apply needs to write against them. */
export interface ZoneSnapshot<State = unknown> {
  readonly zone: string;
  /** One entry per name asked for. */
  readonly records: ReadonlyMap<string, RecordSets>;
  /** Record ids, stored text, ETags…: the adapter's own, opaque to the core. */
  readonly state: State;
}

/** What the core knows about the names being written, for providers that label their records. */
export interface ApplyContext {
  /** The target each changed name follows. */
  readonly targets: ReadonlyMap<string, string>;
}

/**
 * What a provider can do, declared once per type from its settings (`capabilitiesOf` in its
 * settings module, so config validation needs no SDK) and checked by the core: config load refuses
 * a TTL or a record type the provider cannot hold, and the planner never asks for one.
 */
export interface ProviderCapabilities {
  /**
   * What one `apply` guarantees when it fails part-way: `zone`, every change of the call lands
   * or none does; `name`, each name's changes land together; `rrset`, each record set (name and
   * type) lands on its own, so a name's A may change without its AAAA; `none`, each record
   * (one address) is its own write, so a record set can be left part-written.
   */
  readonly atomicity: 'zone' | 'name' | 'rrset' | 'none';
  /** Writes are conditional on the snapshot that was read: a concurrent edit is a `conflict`, nothing written. */
  readonly compareAndSwap: boolean;
  /** TTLs the provider stores; `automatic` is a value meaning "the provider chooses" (Cloudflare: 1). */
  readonly ttl: { readonly min: number; readonly max: number; readonly automatic?: number };
  /** Record types it can write. */
  readonly recordTypes: readonly RecordType[];
  /** Largest number of changes per provider transaction, when limited. */
  readonly maxBatch?: number;
}

/** What every adapter receives besides its own settings. */
export interface ProviderContext {
  /** The provider's id in the config (`providers.<id>`), for messages. */
  readonly id: string;
  /** Child logger; never give it a secret. */
  readonly logger: Logger;
}

/** A provider module, loaded lazily by `type` (see `providers/index.ts`). */
export interface ProviderModule<S> {
  createProvider(settings: S, context: ProviderContext): Provider;
}

/**
 * A failure of a provider call, in words for the operator, never carrying a secret.
 * `maybeApplied`: a write was sent and may have taken effect (its outcome is unknown).
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly maybeApplied = false,
  ) {
    super(message);
  }
}

/** The outcome a failed write gets: unknown when it may have been applied, else refused. */
export function failedOutcome(failure: { readonly kind: FailureKind; readonly message: string; readonly maybeApplied: boolean }): ApplyOutcome {
  return failure.maybeApplied ? { status: 'unconfirmed', kind: failure.kind, message: failure.message } : { status: 'not-applied', kind: failure.kind, message: failure.message };
}

/** The same outcome for every name of `changes`. */
export function outcomeForAll(changes: readonly Change[], outcome: ApplyOutcome): Map<string, ApplyOutcome> {
  return new Map(changes.map((change) => [change.name, outcome]));
}

/** A change of an address family: all that a provider without HTTPS in its `recordTypes` is given. */
export type AddressChange = Change & { readonly family: Family };

/**
 * `changes` as address changes, for providers that write only A and AAAA. Config load refuses
 * other types for them, so this only guards the contract: a change of another type is refused
 * before anything is sent.
 */
export function addressChangesOnly(changes: readonly Change[]): AddressChange[] {
  const other = changes.find((change) => change.family !== 'A' && change.family !== 'AAAA');
  if (other !== undefined) throw new ProviderError('rejected', `this provider cannot write ${other.family} records (${other.name}); nothing sent`);
  return changes as AddressChange[];
}
