import { parseServerAddress } from '../../src/dns/server-address.js';
import type { TsigKey } from '../../src/dns/tsig.js';
import { normalizeName } from '../../src/lib/names.js';
import type { Provider, ProviderContext, ZoneSnapshot } from '../types.js';
import { ProviderError } from '../types.js';
import { applyChanges } from './apply.js';
import type { Endpoint } from './client.js';
import { findZoneBySoa } from './find-zone.js';
import { QueryPipeline } from './pipeline.js';
import { readRecordSets } from './read.js';
import { capabilitiesOf, type Rfc2136Settings } from './settings.js';

/**
 * RFC 2136 dynamic updates to a primary (BIND, Knot, PowerDNS, Windows DNS), signed with our own
 * TSIG signer: no subprocess, no dependency on nsupdate in the image, precise error classes, and
 * the secret never reaches a process listing.
 */
/** The snapshot carries nothing: each change's `before` becomes the UPDATE's prerequisites. */
export function createProvider(settings: Rfc2136Settings, context: ProviderContext): Provider<void> {
  const server = parseServerAddress(settings.server);
  if (server === undefined) throw new ProviderError('error', `provider ${context.id}: server "${settings.server}" is not host:port with an IP address`);
  const endpoint: Endpoint = {
    server,
    key: settings.tsig ? decodeKey(settings.tsig, context.id) : undefined,
    timeoutMs: settings.timeoutMs,
    queries: new QueryPipeline(server, settings.timeoutMs),
  };
  const logger = context.logger;
  const zones = new Map<string, Promise<string>>();

  return {
    capabilities: capabilitiesOf(settings),
    findZone(name) {
      let zone = zones.get(name);
      if (zone === undefined) {
        zone = findZoneBySoa(endpoint, name);
        zones.set(name, zone);
        // A failed lookup is not cached: the next call asks again.
        zone.catch(() => zones.delete(name));
      }
      return zone;
    },
    async read(zone, names, types): Promise<ZoneSnapshot<void>> {
      logger.debug({ zone, names: names.length }, 'rfc2136: reading A/AAAA from the primary');
      try {
        return { zone, records: await readRecordSets(endpoint, zone, names, types?.includes('HTTPS') ?? false), state: undefined };
      } finally {
        logger.debug({ zone, ...endpoint.queries.stats }, 'rfc2136: query connections so far');
      }
    },
    apply(snapshot, changes) {
      return applyChanges(endpoint, snapshot.zone, changes, logger);
    },
    close() {
      return endpoint.queries.close();
    },
  };
}

/** Decodes the base64 key material once; the Secret is revealed only here. */
function decodeKey(tsig: NonNullable<Rfc2136Settings['tsig']>, providerId: string): TsigKey {
  const text = tsig.secret.reveal().replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 === 1) {
    throw new ProviderError('error', `provider ${providerId}: tsig.secret is not base64 (paste the secret as tsig-keygen prints it)`);
  }
  return { name: normalizeName(tsig.name), algorithm: tsig.algorithm, secret: Buffer.from(text, 'base64') };
}
