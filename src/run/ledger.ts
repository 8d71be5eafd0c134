import type { Logger } from 'pino';
import type { RecordConfig } from '../config/types.js';
import type { Family } from '../model.js';
import type { FamilyResolution } from '../resolve/types.js';
import type { AdjustResolutions } from '../sync/round.js';
import type { Clock } from './clock.js';
import { dampFamily, EMPTY_LEDGER, type FamilyLedger } from './damping.js';

/**
 * The daemon's churn-damping memory: one ledger per record, target and family, fed to the
 * planner through runRound's `adjustResolutions` hook. Lives as long as the process (a restart
 * starts from what the target answers, never from what the provider holds: an address apexsync
 * has not seen the target hand out is not protected).
 */
export class DampingLedger {
  readonly #ledgers = new Map<string, FamilyLedger>();

  constructor(
    private holdDownMs: number | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** For a config reload. */
  setHoldDown(holdDownMs: number | undefined): void {
    this.holdDownMs = holdDownMs;
  }

  /** Forgets records that are no longer configured (or whose target changed). */
  retain(records: readonly RecordConfig[]): void {
    const wanted = new Set(records.flatMap((r) => r.families.map((f) => ledgerKey(r, f))));
    for (const key of this.#ledgers.keys()) if (!wanted.has(key)) this.#ledgers.delete(key);
  }

  readonly adjust: AdjustResolutions = (record, resolved, current) => {
    const now = this.clock.now();
    const adjusted: Partial<Record<Family, FamilyResolution>> = {};
    for (const family of record.families) {
      const resolution = resolved[family];
      if (resolution === undefined) continue;
      const key = ledgerKey(record, family);
      const out = dampFamily({
        ledger: this.#ledgers.get(key) ?? EMPTY_LEDGER,
        resolution,
        published: current[family]?.values ?? [],
        now,
        holdDownMs: this.holdDownMs,
        maxAddresses: record.maxAddresses,
      });
      this.#ledgers.set(key, out.ledger);
      adjusted[family] = out.resolution;
      if (out.resolution !== resolution && out.resolution.kind === 'addresses') {
        const answered = resolution.kind === 'addresses' ? resolution.addresses : [];
        const held = out.resolution.addresses.filter((a) => !answered.includes(a));
        if (held.length > 0) this.logger.debug({ record: record.name, family, held }, 'keeping addresses absent from this answer until their hold-down ends');
      }
    }
    return adjusted;
  };
}

function ledgerKey(record: Pick<RecordConfig, 'provider' | 'name' | 'target'>, family: Family): string {
  return `${record.provider}\u0000${record.name}\u0000${record.target}\u0000${family}`;
}
