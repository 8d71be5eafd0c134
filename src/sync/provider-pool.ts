import type { Logger } from 'pino';
import { loadProviderModule, type ProviderSettings } from '../../providers/index.js';
import type { Provider } from '../../providers/types.js';

/**
 * Provider instances by config id, created on first use (so an SDK is imported only when a
 * record needs that provider) and shared by every record of a round.
 */
export class ProviderPool {
  readonly #instances = new Map<string, Promise<Provider>>();
  constructor(
    private readonly settings: Readonly<Record<string, ProviderSettings>>,
    private readonly logger: Logger,
  ) {}

  get(id: string): Promise<Provider> {
    let instance = this.#instances.get(id);
    if (!instance) {
      instance = this.#create(id);
      this.#instances.set(id, instance);
    }
    return instance;
  }

  async #create(id: string): Promise<Provider> {
    const settings = Object.hasOwn(this.settings, id) ? this.settings[id] : undefined;
    if (!settings) throw new Error(`no provider '${id}' in the config`);
    const module = await loadProviderModule(settings.type);
    // The settings union is narrowed by `type`; the registry pairs each type with its module.
    const create = module.createProvider as (s: ProviderSettings, c: { id: string; logger: Logger }) => Provider;
    return create(settings, { id, logger: this.logger.child({ provider: id }) });
  }

  /** Closes every instance created so far (errors ignored: this runs on the way out). */
  async closeAll(): Promise<void> {
    const instances = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.all(instances.map(async (p) => (await p.catch(() => undefined))?.close?.().catch(() => undefined)));
  }
}
