import type { ApplyOutcome, Change } from '../../src/model.js';
import { failedOutcome, outcomeForAll, ProviderError, type Provider, type ProviderContext, type ZoneSnapshot } from '../types.js';
import { sendChange } from './apply.js';
import { createCloudDnsClient, DEFAULT_TUNING, type CloudDnsTuning } from './client.js';
import { readZoneNames } from './read.js';
import type { NameState } from './record-sets.js';
import { capabilitiesOf, type GoogleCloudDnsSettings } from './settings.js';
import { ZoneDirectory, type ManagedZoneRef } from './zones.js';

export type { CloudDnsTuning } from './client.js';

/** What a read saw at each name as Cloud DNS stores it: apply deletes exactly that. */
type CloudDnsState = ReadonlyMap<string, NameState>;
type CloudDnsSnapshot = ZoneSnapshot<CloudDnsState>;

/**
 * The Google Cloud DNS adapter, on the official `@google-cloud/dns` client. The core sees zone
 * names only; managed zone names (ids) stay in here. `tuning` is for tests; the config never sets it.
 */
export function createProvider(settings: GoogleCloudDnsSettings, context: ProviderContext, tuning: Partial<CloudDnsTuning> = {}): Provider<CloudDnsState> {
  const timing: CloudDnsTuning = { ...DEFAULT_TUNING, ...tuning };
  const logger = context.logger;
  const client = createCloudDnsClient(settings, timing, logger);
  const zones = new ZoneDirectory(client, { managedZone: settings.managedZone, privateZones: settings.privateZones }, logger);

  return {
    capabilities: capabilitiesOf(settings),

    async findZone(name: string): Promise<string> {
      return (await zones.findZone(name)).name;
    },

    async read(zone: string, names: readonly string[]): Promise<CloudDnsSnapshot> {
      const managedZone = await zones.zoneNamed(zone);
      const reading = await readZoneNames(client, managedZone, names);
      logger.debug({ zone, managedZone: managedZone.id, names: names.length, pages: reading.pages }, 'read the Cloud DNS record sets');
      return { zone, records: new Map([...reading.states].map(([name, state]) => [name, state.sets])), state: reading.states };
    },

    async apply(snapshot: CloudDnsSnapshot, changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
      if (changes.length === 0) return new Map();
      let managedZone: ManagedZoneRef;
      try {
        managedZone = await zones.zoneNamed(snapshot.zone);
      } catch (error) {
        const failure = error instanceof ProviderError ? error : new ProviderError('error', String(error));
        return outcomeForAll(changes, failedOutcome(failure));
      }
      return sendChange({ client, tuning: timing, logger }, managedZone, snapshot.state, changes);
    },
  };
}
