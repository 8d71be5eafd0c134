import type { ApplyOutcome, Change } from '../../src/model.js';
import { addressChangesOnly, failedOutcome, outcomeForAll, ProviderError, type Provider, type ProviderContext, type ZoneSnapshot } from '../types.js';
import { aliasHint } from './alias-hint.js';
import { writeRecordSets } from './apply.js';
import { createAzureDnsClient, DEFAULT_TUNING, type AzureDnsTuning } from './client.js';
import { readZoneNames } from './read.js';
import type { NameState } from './record-sets.js';
import { capabilitiesOf, type AzureDnsSettings } from './settings.js';
import { ZoneDirectory } from './zones.js';

export type { AzureDnsTuning } from './client.js';

/** What a read saw at each name, with the ETags that make each write conditional. */
type AzureDnsState = ReadonlyMap<string, NameState>;
type AzureDnsSnapshot = ZoneSnapshot<AzureDnsState>;

/**
 * The Azure DNS adapter, on the official `@azure/arm-dns` client with `@azure/identity`.
 * `tuning` is for tests; the config never sets it.
 */
export function createProvider(settings: AzureDnsSettings, context: ProviderContext, tuning: Partial<AzureDnsTuning> = {}): Provider<AzureDnsState> {
  const timing: AzureDnsTuning = { ...DEFAULT_TUNING, ...tuning };
  const logger = context.logger;
  const client = createAzureDnsClient(settings, timing, logger);
  const zones = new ZoneDirectory(client, { resourceGroup: settings.resourceGroup, zone: settings.zone }, logger);

  return {
    capabilities: capabilitiesOf(settings),

    findZone(name: string): Promise<string> {
      return zones.findZone(name);
    },

    async read(zone: string, names: readonly string[]): Promise<AzureDnsSnapshot> {
      await zones.zoneNamed(zone);
      const reading = await readZoneNames(client, settings.resourceGroup, zone, names);
      logger.debug({ zone, names: names.length, pages: reading.pages }, 'read the Azure DNS record sets');
      return { zone, records: new Map([...reading.states].map(([name, state]) => [name, state.sets])), state: reading.states };
    },

    async apply(snapshot: AzureDnsSnapshot, changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
      if (changes.length === 0) return new Map();
      try {
        await zones.zoneNamed(snapshot.zone);
      } catch (error) {
        const failure = error instanceof ProviderError ? error : new ProviderError('error', String(error));
        return outcomeForAll(changes, failedOutcome(failure));
      }
      return writeRecordSets({ client, resourceGroup: settings.resourceGroup, logger }, snapshot.zone, snapshot.state, addressChangesOnly(changes));
    },

    hintFor: aliasHint,
  };
}
