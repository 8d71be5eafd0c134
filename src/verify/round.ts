import type { ProviderVerify } from '../config/verify.js';
import { checkZone } from './check.js';
import type { ConcurrencyLimiter } from '../resolve/limiter.js';
import type { ServerDiscovery } from './servers.js';
import type { ServedReport, VerifyTarget } from './types.js';

/** One record of a round to check: where it lives and what should be served. */
export interface ServedCheckItem {
  readonly providerId: string;
  readonly zone: string;
  readonly target: VerifyTarget;
}

export interface ServedCheckInput {
  /** Aligned with the round's records; undefined for a record not to check (failed before planning). */
  readonly items: ReadonlyArray<ServedCheckItem | undefined>;
  readonly verify: Readonly<Record<string, ProviderVerify>>;
  readonly discovery: ServerDiscovery;
  readonly limiter: ConcurrencyLimiter;
  /** See CheckOptions.wait. */
  readonly wait: boolean;
  /** The provider's Provider.heal, if it has one, when the round may act (not in a dry run or `check`). */
  readonly healerOf?: (providerId: string) => Promise<Healer | undefined>;
  readonly now?: () => number;
}

/** Provider.heal of one provider: why it failed, or undefined. */
export type Healer = (zone: string, lagging: boolean) => Promise<string | undefined>;

export interface ServedCheckResult {
  /** Per record: the served state, or undefined when not checked (`verify.mode: off`, no item). */
  readonly served: ReadonlyArray<ServedReport | undefined>;
  /** Per record: why the provider could not make its servers serve the zone (a failed reload). */
  readonly healFailures: ReadonlyArray<string | undefined>;
}

/**
 * The served-state step of a round: per provider and zone, first the work the provider owes its
 * servers (heal), then one check of every record; when some server lags and the provider can do
 * something about it (a zone file's reload), it heals again and checks once more, giving the
 * records a fresh timeout from that moment.
 */
export async function checkServed(input: ServedCheckInput): Promise<ServedCheckResult> {
  const now = input.now ?? Date.now;
  const served = new Array<ServedReport | undefined>(input.items.length);
  const healFailures = new Array<string | undefined>(input.items.length);
  const groups = new Map<string, { providerId: string; zone: string; indexes: number[] }>();
  input.items.forEach((item, i) => {
    if (item === undefined) return;
    const key = `${item.providerId}\u0000${item.zone}`;
    const group = groups.get(key) ?? { providerId: item.providerId, zone: item.zone, indexes: [] };
    group.indexes.push(i);
    groups.set(key, group);
  });
  await Promise.all(
    [...groups.values()].map(async ({ providerId, zone, indexes }) => {
      const settings = input.verify[providerId];
      const heal = await input.healerOf?.(providerId);
      let failure = heal ? await heal(zone, false) : undefined;
      if (settings !== undefined && settings.mode !== 'off') {
        const check = (targets: readonly VerifyTarget[]): Promise<ServedReport[]> =>
          checkZone({ zone, settings, always: settings.always, targets }, { discovery: input.discovery, wait: input.wait, limiter: input.limiter, now });
        let targets = indexes.map((i) => input.items[i]!.target);
        let reports = await check(targets);
        const lagging = reports.some((r) => r.status === 'diverged' || r.status === 'propagating');
        if (lagging && heal && failure === undefined) {
          failure = await heal(zone, true);
          if (failure === undefined) {
            const healedAt = now();
            targets = targets.map((t, k) => (reports[k]!.status === 'served' ? t : { ...t, writtenAt: healedAt }));
            reports = await check(targets);
          }
        }
        for (const [k, i] of indexes.entries()) served[i] = reports[k];
      }
      if (failure !== undefined) for (const i of indexes) healFailures[i] = failure;
    }),
  );
  return { served, healFailures };
}
