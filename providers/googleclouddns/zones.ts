import type { DNS, GetZonesRequest, Zone } from '@google-cloud/dns';
import type { Logger } from 'pino';
import { isInZone } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import type { CloudDnsClient } from './client.js';
import { describeCloudDnsError, type CloudDnsMethod } from './errors.js';
import { fromCloudDnsName } from './names.js';

/** A managed zone as the adapter keeps it: the core only ever sees `name`. */
export interface ManagedZoneRef {
  /** The managed zone's own name (its id in API paths), e.g. "example-com". */
  readonly id: string;
  /** Normalised DNS name, e.g. "example.com". */
  readonly name: string;
  readonly private: boolean;
}

/** Zones per managedZones.list page (the API's maximum is not documented; 1000 is accepted). */
const ZONES_PER_PAGE = 1000;
const PAGE_LIMIT = 1000;

/**
 * Finds managed zones by listing the project's zones once per provider instance: every record
 * that needs a zone shares the one listing. With `managedZone` set, that zone is fetched instead.
 */
export class ZoneDirectory {
  #zones: Promise<ManagedZoneRef[]> | undefined;

  constructor(
    private readonly client: CloudDnsClient,
    private readonly options: { readonly managedZone?: string | undefined; readonly privateZones: boolean },
    private readonly logger: Logger,
  ) {}

  /** The managed zone holding `name`: the configured one, else the longest matching DNS name. */
  async findZone(name: string): Promise<ManagedZoneRef> {
    const zones = await this.#eligibleZones();
    const holding = zones.filter((zone) => isInZone(name, zone.name)).sort((a, b) => b.name.length - a.name.length);
    const longest = holding[0];
    if (longest === undefined) {
      throw new ProviderError(
        'not-found',
        this.options.managedZone !== undefined
          ? `${name} is not in managed zone ${this.options.managedZone} (${zones[0]?.name ?? '?'})`
          : `no ${this.#kindOfZones()} managed zone of the project holds ${name}`,
      );
    }
    const twins = holding.filter((zone) => zone.name === longest.name);
    if (twins.length > 1) {
      const listed = twins.map((zone) => `${zone.id} (${zone.private ? 'private' : 'public'})`).join(', ');
      throw new ProviderError('config', `${twins.length} managed zones are named ${longest.name}: ${listed}; set managedZone to choose one`);
    }
    this.logger.debug({ name, zone: longest.name, managedZone: longest.id }, 'found the Cloud DNS managed zone');
    return longest;
  }

  /** The managed zone whose DNS name is `zoneName` (from `findZone` or the record's `zone`). */
  async zoneNamed(zoneName: string): Promise<ManagedZoneRef> {
    const zone = await this.findZone(zoneName);
    if (zone.name !== zoneName) throw new ProviderError('not-found', `no ${this.#kindOfZones()} managed zone is named ${zoneName}`);
    return zone;
  }

  #kindOfZones(): string {
    return this.options.privateZones ? 'public or private' : 'public';
  }

  async #eligibleZones(): Promise<ManagedZoneRef[]> {
    this.#zones ??= (this.options.managedZone !== undefined ? this.#configuredZone(this.options.managedZone) : this.#listZones()).catch((error: unknown) => {
      // A failed lookup is not cached: the next record (or round) asks again.
      this.#zones = undefined;
      throw error;
    });
    const zones = await this.#zones;
    return this.options.managedZone !== undefined ? zones : zones.filter((zone) => this.options.privateZones || !zone.private);
  }

  async #configuredZone(id: string): Promise<ManagedZoneRef[]> {
    const [metadata] = await this.#send('managedZones.get', (dns) => dns.zone(id).getMetadata());
    return [toZoneRef(id, metadata)];
  }

  async #listZones(): Promise<ManagedZoneRef[]> {
    const zones: ManagedZoneRef[] = [];
    let query: GetZonesRequest | null = { autoPaginate: false, maxResults: ZONES_PER_PAGE };
    for (let page = 0; query !== null; page++) {
      if (page >= PAGE_LIMIT) throw new ProviderError('error', `listing the managed zones did not end after ${page} pages`);
      const request: GetZonesRequest = query;
      const [found, next] = await this.#send('managedZones.list', (dns) => dns.getZones(request));
      zones.push(...found.map((zone: Zone) => toZoneRef(zone.name, zone.metadata)));
      query = next ?? null;
    }
    return zones;
  }

  async #send<T>(method: CloudDnsMethod, call: (dns: DNS) => Promise<T>): Promise<T> {
    try {
      return await this.client.call(method, call);
    } catch (error) {
      const failure = describeCloudDnsError(error, method);
      throw new ProviderError(failure.kind, failure.message);
    }
  }
}

function toZoneRef(id: string, metadata: unknown): ManagedZoneRef {
  const fields = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as { dnsName?: unknown; visibility?: unknown };
  if (typeof fields.dnsName !== 'string') throw new ProviderError('error', `Cloud DNS answered with a managed zone ${id} without a dnsName`);
  return { id, name: fromCloudDnsName(fields.dnsName), private: fields.visibility === 'private' };
}
