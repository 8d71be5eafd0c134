import type { Logger } from 'pino';
import type { ProviderSettings } from '../../providers/index.js';
import { ProviderError, type Provider } from '../../providers/types.js';
import type { ApplyOutcome, Family, RecordType } from '../model.js';
import type { FamilyResolution, HttpsResolution, Resolver } from '../resolve/types.js';
import { ProviderPool } from '../sync/provider-pool.js';
import type { RunMetrics } from './metrics.js';

/**
 * The resolver, timing every lookup into apexsync_resolution_duration_seconds. Kept lean: a full
 * round of 10 000 records makes 60 000 lookups (samples × families × records), and prom-client's
 * startTimer costs a closure, two hrtime arrays and a merged labels object per lookup.
 */
export function meteredResolver(resolver: Resolver, metrics: RunMetrics): Resolver {
  const observe = (family: RecordType, result: string, started: number): void => metrics.resolutionSeconds.observe({ family, result }, (performance.now() - started) / 1000);
  const timed = <R extends { readonly kind: string }>(family: RecordType, lookup: Promise<R>): Promise<R> => {
    const started = performance.now();
    return lookup.then(
      (result) => {
        observe(family, result.kind, started);
        return result;
      },
      (error: unknown) => {
        observe(family, 'error', started);
        throw error;
      },
    );
  };
  const resolveHttps = resolver.resolveHttps?.bind(resolver);
  return {
    resolve: (target: string, family: Family): Promise<FamilyResolution> => timed(family, resolver.resolve(target, family)),
    ...(resolveHttps ? { resolveHttps: (target: string): Promise<HttpsResolution> => timed('HTTPS', resolveHttps(target)) } : {}),
  };
}

/** A ProviderPool whose providers time every call into apexsync_provider_call_duration_seconds. */
export class MeteredProviderPool extends ProviderPool {
  readonly #metered = new Map<string, Promise<Provider>>();

  constructor(
    settings: Readonly<Record<string, ProviderSettings>>,
    logger: Logger,
    private readonly metrics: RunMetrics,
  ) {
    super(settings, logger);
  }

  override get(id: string): Promise<Provider> {
    let provider = this.#metered.get(id);
    if (!provider) {
      provider = super.get(id).then((inner) => meteredProvider(inner, id, this.metrics));
      this.#metered.set(id, provider);
    }
    return provider;
  }

  override async closeAll(): Promise<void> {
    this.#metered.clear();
    await super.closeAll();
  }
}

/** An apply that returned refusals is labelled with the first one's kind. */
function applyResult(outcomes: Map<string, ApplyOutcome>): string {
  for (const outcome of outcomes.values()) if (outcome.status !== 'applied') return outcome.kind;
  return 'ok';
}

function meteredProvider(inner: Provider, id: string, metrics: RunMetrics): Provider {
  const timed = async <T>(operation: string, call: () => Promise<T>, label: (result: T) => string = () => 'ok'): Promise<T> => {
    const stop = metrics.providerCallSeconds.startTimer({ provider: id, operation });
    try {
      const result = await call();
      stop({ result: label(result) });
      return result;
    } catch (error) {
      stop({ result: error instanceof ProviderError ? error.kind : 'error' });
      throw error;
    }
  };
  const metered: Provider = {
    capabilities: inner.capabilities,
    findZone: (name) => timed('findZone', () => inner.findZone(name)),
    read: (zone, names, types) => timed('read', () => inner.read(zone, names, types)),
    apply: (snapshot, changes, context) => timed('apply', () => inner.apply(snapshot, changes, context), applyResult),
  };
  const hintFor = inner.hintFor?.bind(inner);
  const close = inner.close?.bind(inner);
  const heal = inner.heal?.bind(inner);
  return { ...metered, ...(hintFor ? { hintFor } : {}), ...(close ? { close } : {}), ...(heal ? { heal } : {}) };
}
