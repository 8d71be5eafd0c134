import type { ApplyOutcome, Change, RecordType } from '../../src/model.js';
import { failedOutcome, outcomeForAll, ProviderError, type Provider, type ProviderContext, type ZoneSnapshot } from '../types.js';
import { aliasHint } from './alias-hint.js';
import { sendBatch } from './apply.js';
import { splitIntoBatches, toNameChanges, type ReadRecordSet } from './batches.js';
import { createRoute53Clients } from './client.js';
import { readZoneNames } from './read.js';
import type { NameState } from './record-sets.js';
import { capabilitiesOf, type Route53Settings } from './settings.js';
import { DEFAULT_TUNING, type Route53Tuning } from './tuning.js';
import { ZoneDirectory } from './zones.js';

export { aliasHint };
export type { Route53Tuning } from './tuning.js';

/**
 * The Route 53 adapter, on the AWS SDK v3. The core sees zone names only; hosted zone IDs stay
 * in here. `tuning` is for tests (short delays, a private pacer); the config never sets it.
 */
/** What a read saw at each name as Route 53 stores it: apply DELETEs exactly that. */
type Route53Snapshot = ZoneSnapshot<ReadonlyMap<string, NameState>>;

export function createProvider(settings: Route53Settings, context: ProviderContext, tuning: Partial<Route53Tuning> = {}): Provider<ReadonlyMap<string, NameState>> {
  const timing: Route53Tuning = { ...DEFAULT_TUNING, ...tuning };
  const logger = context.logger;
  const clients = createRoute53Clients(settings, timing, logger);
  const zones = new ZoneDirectory(clients.read, { hostedZoneId: settings.hostedZoneId, privateZones: settings.privateZones }, logger);

  return {
    capabilities: capabilitiesOf(settings),

    async findZone(name: string): Promise<string> {
      return (await zones.findZone(name)).name;
    },

    async read(zone: string, names: readonly string[]): Promise<Route53Snapshot> {
      const hostedZone = await zones.zoneNamed(zone);
      const reading = await readZoneNames(clients.read, hostedZone, names);
      logger.debug({ zone, zoneId: hostedZone.id, names: names.length, pages: reading.pages }, 'read the Route 53 record sets');
      return { zone, records: new Map([...reading.states].map(([name, state]) => [name, state.sets])), state: reading.states };
    },

    async apply(snapshot: Route53Snapshot, changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
      const zone = snapshot.zone;
      const outcomes = new Map<string, ApplyOutcome>();
      let hostedZone: Awaited<ReturnType<ZoneDirectory['zoneNamed']>>;
      try {
        hostedZone = await zones.zoneNamed(zone);
      } catch (error) {
        const failure = error instanceof ProviderError ? error : new ProviderError('error', String(error));
        return outcomeForAll(changes, failedOutcome(failure));
      }
      const states = snapshot.state;
      const stored = (name: string, family: RecordType): ReadRecordSet | undefined => {
        const state = states?.get(name);
        const seen = state?.sets[family];
        const storedSet = state?.stored[family];
        return seen !== undefined && storedSet !== undefined ? { seen, stored: storedSet } : undefined;
      };
      const batches = splitIntoBatches(toNameChanges(changes, stored));
      if (batches.length > 1) logger.info({ zone, batches: batches.length }, 'the changes exceed one Route 53 batch; sending them in several');
      const sender = { client: clients.write, reader: clients.read, tuning: timing, logger, waitForSync: settings.waitForSync };
      for (const batch of batches) {
        for (const [name, outcome] of await sendBatch(sender, hostedZone, batch)) outcomes.set(name, outcome);
      }
      return outcomes;
    },

    hintFor: aliasHint,

    async close(): Promise<void> {
      clients.destroy();
    },
  };
}
