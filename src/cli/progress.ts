import type { Logger } from 'pino';
import type { ProviderSettings } from '../../providers/index.js';
import type { Provider } from '../../providers/types.js';
import type { RecordConfig } from '../config/types.js';
import type { Family } from '../model.js';
import type { FamilyResolution, Resolver } from '../resolve/types.js';
import { ProviderPool } from '../sync/provider-pool.js';

/** Redraws at most this often: a 10 000-record round must not spend its time drawing. */
const REDRAW_MS = 100;

/**
 * `sync` on a terminal: one self-overwriting line on stderr while the round runs (targets
 * resolved, zones read and written), erased when it ends, so the plan on stdout reads as before.
 * Counted by wrapping the resolver and the providers; the round itself knows nothing of it.
 */
export class SyncProgress {
  readonly #stream: NodeJS.WriteStream;
  readonly #samples: number;
  /** Per target, the families still being looked up. */
  readonly #pending = new Map<string, Set<Family>>();
  /** Lookups so far per family and target (sampling asks `samples` times, or stops at a failure). */
  readonly #lookups = new Map<string, number>();
  readonly #targets: number;
  #resolved = 0;
  #zonesRead = 0;
  #zonesWritten = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream, records: readonly RecordConfig[], samples: number) {
    this.#stream = stream;
    this.#samples = Math.max(1, samples);
    for (const record of records) {
      const families = this.#pending.get(record.target) ?? new Set<Family>();
      for (const family of record.families) families.add(family);
      this.#pending.set(record.target, families);
    }
    this.#targets = this.#pending.size;
  }

  resolver(inner: Resolver): Resolver {
    return {
      resolve: async (target: string, family: Family): Promise<FamilyResolution> => {
        const result = await inner.resolve(target, family);
        const key = `${family} ${target}`;
        const lookups = (this.#lookups.get(key) ?? 0) + 1;
        this.#lookups.set(key, lookups);
        const families = this.#pending.get(target);
        if (families?.has(family) && (lookups >= this.#samples || result.kind === 'failure')) {
          families.delete(family);
          if (families.size === 0) this.#resolved++;
        }
        this.#draw();
        return result;
      },
    };
  }

  providers(settings: Readonly<Record<string, ProviderSettings>>, logger: Logger): ProviderPool {
    return new CountingProviderPool(settings, logger, (operation) => {
      if (operation === 'read') this.#zonesRead++;
      else this.#zonesWritten++;
      this.#draw();
    });
  }

  /** Erases the line. */
  finish(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  #draw(): void {
    const now = performance.now();
    if (now - this.#lastDraw < REDRAW_MS && this.#resolved < this.#targets) return;
    this.#lastDraw = now;
    this.#drawn = true;
    const zones = (n: number): string => `${n} zone${n === 1 ? '' : 's'}`;
    this.#stream.write(`\r\x1b[2Kresolved ${this.#resolved}/${this.#targets} targets · read ${zones(this.#zonesRead)} · wrote ${zones(this.#zonesWritten)}`);
  }
}

class CountingProviderPool extends ProviderPool {
  readonly #counted = new Map<string, Promise<Provider>>();

  constructor(
    settings: Readonly<Record<string, ProviderSettings>>,
    logger: Logger,
    private readonly count: (operation: 'read' | 'apply') => void,
  ) {
    super(settings, logger);
  }

  override get(id: string): Promise<Provider> {
    let provider = this.#counted.get(id);
    if (!provider) {
      provider = super.get(id).then((inner) => {
        const counted: Provider = {
          capabilities: inner.capabilities,
          findZone: (name) => inner.findZone(name),
          read: (zone, names) => inner.read(zone, names).finally(() => this.count('read')),
          apply: (snapshot, changes, context) => inner.apply(snapshot, changes, context).finally(() => this.count('apply')),
        };
        const hintFor = inner.hintFor?.bind(inner);
        const close = inner.close?.bind(inner);
        return { ...counted, ...(hintFor ? { hintFor } : {}), ...(close ? { close } : {}) };
      });
      this.#counted.set(id, provider);
    }
    return provider;
  }

  override async closeAll(): Promise<void> {
    this.#counted.clear();
    await super.closeAll();
  }
}
