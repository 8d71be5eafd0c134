import type { Provider, ProviderContext, ZoneSnapshot } from '../types.js';
import type { ApiEndpoint } from './api.js';
import { applyZone } from './apply.js';
import { readZone } from './read.js';
import { capabilitiesOf, type PowerdnsSettings } from './settings.js';
import { listZones, zoneOf } from './zones.js';

/**
 * The PowerDNS Authoritative HTTP API (`/api/v1/servers/<id>`): zones found by listing them,
 * reads from one GET of the zone, and every change of a zone in one atomic PATCH of RRsets.
 * Node's own fetch; no SDK.
 */
/** The snapshot carries nothing: PATCH replaces whole RRsets and the API has no conditional write. */
export function createProvider(settings: PowerdnsSettings, context: ProviderContext): Provider<void> {
  const origin = settings.url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  const endpoint: ApiEndpoint = {
    base: `${origin}/api/v1/servers/${encodeURIComponent(settings.serverId)}`,
    apiKey: settings.apiKey.reveal(),
    timeoutMs: settings.timeoutMs,
    label: `PowerDNS at ${origin}`,
  };
  const logger = context.logger;
  let zones: Promise<string[]> | undefined;

  return {
    capabilities: capabilitiesOf(settings),
    async findZone(name) {
      if (zones === undefined) {
        zones = listZones(endpoint);
        // A failed listing is not kept: the next call asks again.
        zones.catch(() => (zones = undefined));
      }
      return zoneOf(name, await zones, endpoint.label);
    },
    async read(zone, names): Promise<ZoneSnapshot<void>> {
      logger.debug({ zone, names: names.length }, 'powerdns: reading the zone');
      return { zone, records: await readZone(endpoint, zone, names), state: undefined };
    },
    apply(snapshot, changes) {
      logger.debug({ zone: snapshot.zone, changes: changes.length }, 'powerdns: one PATCH for the zone');
      return applyZone(endpoint, snapshot.zone, changes);
    },
  };
}
