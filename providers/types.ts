import type { Logger } from 'pino';
import type { ApplyOutcome, Change, FailureKind, RecordSets } from '../src/model.js';

/**
 * A DNS provider adapter. The core calls, per run: `findZone` for records without a configured
 * zone (the provider caches the answer), then `read` once per zone with every managed name in it,
 * then `apply` once per zone with every change planned for it (never during a dry run).
 *
 * Contract on failure: `read` and `findZone` throw `ProviderError` when they cannot answer (the
 * core fails the affected records and carries on with the rest). `apply` does not throw for a
 * provider's refusal: it returns one outcome per name present in `changes`, saying whether that
 * name's changes were applied, not applied (records as they were), or could not be confirmed.
 * A throw from `apply` is treated as "could not confirm" for every name in the call.
 */
export interface Provider {
  readonly capabilities: ProviderCapabilities;
  /** The zone (normalised name) that holds `name`. */
  findZone(name: string): Promise<string>;
  /** Current A/AAAA records (and any conflict) at each of `names` in `zone`: one entry per name. */
  read(zone: string, names: readonly string[]): Promise<Map<string, RecordSets>>;
  /** Write `changes` (all in `zone`), atomically and compare-and-swap where the provider allows. */
  apply(zone: string, changes: readonly Change[], context?: ApplyContext): Promise<Map<string, ApplyOutcome>>;
  /**
   * A one-line piece of advice about a target for this provider, or undefined (e.g. Route 53:
   * "this target is an ELB; a native alias record would never go stale"). Optional.
   */
  hintFor?(target: string): string | undefined;
  /**
   * Work the provider owes the served state of `zone`, called once per round after the writes
   * (never in a dry run), and again with `lagging` true when its servers were found not serving
   * what it holds. Returns why it failed (a failure of every record of the zone), or undefined.
   * Optional: the zone-file provider re-runs its reload command here.
   */
  heal?(zone: string, lagging: boolean): Promise<string | undefined>;
  /** Release sockets and clients. Optional. */
  close?(): Promise<void>;
}

/** What the core knows about the names being written, for providers that label their records. */
export interface ApplyContext {
  /** The target each changed name follows. */
  readonly targets: ReadonlyMap<string, string>;
}

export interface ProviderCapabilities {
  /** All changes of one zone are applied all-or-nothing in one call. */
  readonly atomicZoneBatch: boolean;
  /** Writes are conditional on the state that was read. */
  readonly compareAndSwap: boolean;
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

/** A failure of a provider call, in words for the operator. Never carries a secret. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}
