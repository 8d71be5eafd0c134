import path from 'node:path';
import { normalizeName, isInZone } from '../../src/lib/names.js';
import type { ApplyOutcome, Change } from '../../src/model.js';
import { ProviderError, type Provider, type ProviderContext, type ZoneSnapshot } from '../types.js';
import { applyToZoneFile, reloadOrOwe, type ZoneFileTarget } from './apply.js';
import { loadZoneFile } from './load.js';
import { readOwedReload } from './reload-owed.js';
import { capabilitiesOf, type ZonefileSettings } from './settings.js';
import { recordSetsAt } from './zone-state.js';

/**
 * The zone-file provider: manages the A/AAAA lines of names in an RFC 1035 master file (as BIND
 * serves it), leaving every other byte alone. Every call re-reads the file, so a manual edit made
 * between runs (or between read and apply) is seen; only the zone's origin is cached per run.
 */

export interface ZonefileDependencies {
  /** The clock for date-based SOA serials (tests pin it). */
  readonly now?: () => Date;
}

const DEFAULT_RELOAD_TIMEOUT_MS = 30_000;

/**
 * The file is re-read on every call (the snapshot carries nothing): apply re-checks each change's
 * `before` against the file as it is then, which is this provider's compare-and-swap.
 */
export function createProvider(settings: ZonefileSettings, context: ProviderContext, dependencies: ZonefileDependencies = {}): Provider<void> {
  const file = path.resolve(settings.file);
  const origin = settings.origin === undefined ? undefined : normalizeName(settings.origin);
  const logger = context.logger.child({ provider: context.id, file });
  let zoneName: string | undefined;
  const target: ZoneFileTarget = { file, origin, reloadCommand: settings.reloadCommand, reloadTimeoutMs: settings.reloadTimeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS };
  /** The reload apply ran (and saw fail) since the last heal: heal does not run it twice in one round. */
  let failedInApply: string | undefined;

  const load = () => loadZoneFile(file, origin);

  const requireZone = (zone: string, loadedOrigin: string): void => {
    if (zone !== loadedOrigin) {
      throw new ProviderError('rejected', `zone ${zone} is not the zone of ${file} (its SOA is at ${loadedOrigin})`);
    }
  };

  /** Provider.heal: only with a reload command, the one thing this provider can do for its server. */
  const heal = async (_zone: string, lagging: boolean): Promise<string | undefined> => {
    if (failedInApply !== undefined) {
      const reason = failedInApply;
      failedInApply = undefined;
      return `the reload command failed (${reason}); the server may serve old records until a reload succeeds (retried on every run)`;
    }
    const owed = await readOwedReload(file);
    if (owed === undefined && !lagging) return undefined;
    logger.info({ owedSince: owed?.since, lagging }, 'running the reload command: the server owes a reload of the zone file');
    const reload = await reloadOrOwe(target, logger);
    if (reload.ok) return undefined;
    return `the reload command failed (${reload.reason}); the server ${lagging ? 'does not serve' : 'may not serve'} ${file} until a reload succeeds (retried on every run${owed ? `, owed since ${owed.since}` : ''})`;
  };

  return {
    capabilities: capabilitiesOf(settings),

    async findZone(name: string): Promise<string> {
      zoneName ??= (await load()).zone.origin;
      if (!isInZone(name, zoneName)) {
        throw new ProviderError('rejected', `${name} is not in the zone ${zoneName} of ${file}`);
      }
      return zoneName;
    },

    async read(zone: string, names: readonly string[]): Promise<ZoneSnapshot<void>> {
      const { zone: parsed } = await load();
      requireZone(zone, parsed.origin);
      const records = new Map(
        names.map((name) => {
          if (!isInZone(name, parsed.origin)) throw new ProviderError('rejected', `${name} is not in the zone ${parsed.origin} of ${file}`);
          return [name, recordSetsAt(parsed, name)] as const;
        }),
      );
      logger.debug({ zone, names: names.length, records: parsed.records.length }, 'zone file read');
      return { zone, records, state: undefined };
    },

    async apply(snapshot: ZoneSnapshot<void>, changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
      const outcomes = await applyToZoneFile(target, snapshot.zone, changes, { now: dependencies.now ?? (() => new Date()), logger });
      const owed = target.reloadCommand === undefined ? undefined : await readOwedReload(file);
      failedInApply = [...outcomes.values()].some((o) => o.status === 'unconfirmed') && owed !== undefined ? owed.reason : undefined;
      return outcomes;
    },
    ...(settings.reloadCommand !== undefined ? { heal } : {}),
  };
}
