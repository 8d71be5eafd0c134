import type { Logger } from 'pino';
import type { RecordConfig } from '../config/types.js';
import { isSpecialAddress } from '../addresses.js';
import { FAMILIES, type Family } from '../model.js';
import type { FamilyResolution, Resolver } from '../resolve/types.js';
import type { AdjustResolutions } from '../sync/round.js';
import type { Clock } from '../lib/clock.js';
import { dampFamily, EMPTY_LEDGER, type FamilyLedger, type Sighting } from './damping.js';
import { SampleWatch } from './sample-watch.js';

/**
 * The daemon's churn-damping memory: one ledger per record, target and family, fed to the
 * planner through runRound's `adjustResolutions` hook. Lives as long as the process (a restart
 * starts from what the target answers, never from what the provider holds: an address apexsync
 * has not seen the target hand out is not protected).
 *
 * Stored compactly, because it is the daemon's largest per-record state: a Map per family and a
 * composite string key per family made 10 000 records hold ~8 MB; keyed by provider then name
 * (strings the config already holds) and with each family's sightings as a plain list, ~3 MB.
 * dampFamily still sees a Map, built for the call and dropped after it.
 */
export class DampingLedger {
  /** provider → name → that record's ledgers. */
  readonly #byProvider = new Map<string, Map<string, RecordLedgers>>();
  readonly #samples = new SampleWatch();

  constructor(
    private holdDownMs: number | undefined,
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly logger: Logger,
  ) {}

  /** For a config reload. */
  setHoldDown(holdDownMs: number | undefined): void {
    this.holdDownMs = holdDownMs;
  }

  /** The resolver a round must use for `adjust` to know whether its samples disagreed. */
  watching(resolver: Resolver): Resolver {
    return this.#samples.wrap(resolver);
  }

  /** Forgets records that are no longer configured, and families they no longer have (a new target starts afresh in adjust). */
  retain(records: readonly RecordConfig[]): void {
    this.#samples.retain(new Set(records.map((r) => r.target)));
    const wanted = new Map(records.map((r) => [`${r.provider}\u0000${r.name}`, r]));
    for (const [provider, byName] of this.#byProvider) {
      for (const [name, ledgers] of byName) {
        const record = wanted.get(`${provider}\u0000${name}`);
        if (record === undefined) byName.delete(name);
        else for (const family of FAMILIES) if (!record.families.includes(family)) delete ledgers[family];
      }
      if (byName.size === 0) this.#byProvider.delete(provider);
    }
  }

  readonly adjust: AdjustResolutions = (record, resolved, current) => {
    // Monotonic: a hold-down must not stretch or vanish when the wall clock is stepped.
    const now = this.clock.monotonic();
    const ledgers = this.#ledgersOf(record);
    const adjusted: Partial<Record<Family, FamilyResolution>> = {};
    for (const family of record.families) {
      const resolution = resolved[family];
      if (resolution === undefined) continue;
      const stored = ledgers[family];
      const out = dampFamily({
        ledger: stored === undefined ? EMPTY_LEDGER : { ...stored, sightings: new Map(stored.sightings) },
        resolution,
        samplesDisagreed: this.#samples.disagreed(record.target, family),
        published: current[family]?.values ?? [],
        now,
        holdDownMs: this.holdDownMs,
        record: { ttl: record.ttl, maxAddresses: record.maxAddresses, isRefused: (a) => !record.allowSpecialAddresses && isSpecialAddress(a) },
      });
      ledgers[family] = { ...out.ledger, sightings: [...out.ledger.sightings] };
      adjusted[family] = out.resolution;
      if (out.resolution !== resolution && out.resolution.kind === 'addresses') {
        const answered = resolution.kind === 'addresses' ? resolution.addresses : [];
        const held = out.resolution.addresses.filter((a) => !answered.includes(a));
        if (held.length > 0) this.logger.debug({ record: record.name, family, held }, 'keeping addresses absent from this answer until their hold-down ends');
      }
    }
    return adjusted;
  };

  /** The record's ledgers, new (empty) when it is new or its target changed. */
  #ledgersOf(record: RecordConfig): RecordLedgers {
    let byName = this.#byProvider.get(record.provider);
    if (byName === undefined) {
      byName = new Map();
      this.#byProvider.set(record.provider, byName);
    }
    let ledgers = byName.get(record.name);
    if (ledgers === undefined || ledgers.target !== record.target) {
      ledgers = { target: record.target };
      byName.set(record.name, ledgers);
    }
    return ledgers;
  }
}

/** One family's ledger, its sightings as a plain list. */
type StoredLedger = Omit<FamilyLedger, 'sightings'> & { readonly sightings: ReadonlyArray<readonly [string, Sighting]> };

/** One record's ledgers per family. */
interface RecordLedgers {
  readonly target: string;
  A?: StoredLedger;
  AAAA?: StoredLedger;
}
