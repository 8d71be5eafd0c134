import type { Logger } from 'pino';
import type { RecordConfig } from '../config/types.js';
import { FAMILIES, type Family } from '../model.js';
import type { FamilyResolution } from '../resolve/types.js';
import type { AdjustResolutions } from '../sync/round.js';
import type { Clock } from '../lib/clock.js';
import { dampFamily, EMPTY_LEDGER, type Sighting } from './damping.js';

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

  constructor(
    private holdDownMs: number | undefined,
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly logger: Logger,
  ) {}

  /** For a config reload. */
  setHoldDown(holdDownMs: number | undefined): void {
    this.holdDownMs = holdDownMs;
  }

  /** Forgets records that are no longer configured, and families they no longer have (a new target starts afresh in adjust). */
  retain(records: readonly RecordConfig[]): void {
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
        ledger: stored === undefined ? EMPTY_LEDGER : new Map(stored),
        resolution,
        published: current[family]?.values ?? [],
        now,
        holdDownMs: this.holdDownMs,
        maxAddresses: record.maxAddresses,
      });
      ledgers[family] = [...out.ledger];
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

/** One record's sightings per family, as dampFamily's ledger entries. */
interface RecordLedgers {
  readonly target: string;
  A?: ReadonlyArray<readonly [string, Sighting]>;
  AAAA?: ReadonlyArray<readonly [string, Sighting]>;
}
