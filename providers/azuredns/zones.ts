import type { Logger } from 'pino';
import { isInZone } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import type { AzureDnsClient } from './client.js';
import { describeAzureDnsError, type AzureDnsOperation } from './errors.js';
import { absoluteName } from './names.js';
import { readAllPages } from './pages.js';

/** Zones per listing page: the API's documented default page. */
const ZONES_PER_PAGE = 100;

/**
 * Finds the resource group's DNS zones by listing them once per provider instance (every record
 * that needs a zone shares the listing), or fetches the configured `zone`.
 */
export class ZoneDirectory {
  #zones: Promise<string[]> | undefined;

  constructor(
    private readonly client: AzureDnsClient,
    private readonly options: { readonly resourceGroup: string; readonly zone?: string | undefined },
    private readonly logger: Logger,
  ) {}

  /** The zone holding `name`: the configured one, else the longest matching zone name. */
  async findZone(name: string): Promise<string> {
    const zones = await this.#allZones();
    const longest = zones.filter((zone) => isInZone(name, zone)).sort((a, b) => b.length - a.length)[0];
    if (longest === undefined) {
      throw new ProviderError(
        'not-found',
        this.options.zone !== undefined
          ? `${name} is not in the configured zone ${this.options.zone}`
          : `no DNS zone in resource group ${this.options.resourceGroup} holds ${name}`,
      );
    }
    this.logger.debug({ name, zone: longest }, 'found the Azure DNS zone');
    return longest;
  }

  /** Checks that `zoneName` is one of the zones (a record's configured `zone`). */
  async zoneNamed(zoneName: string): Promise<string> {
    const zones = await this.#allZones();
    if (!zones.includes(zoneName)) throw new ProviderError('not-found', `no DNS zone ${zoneName} in resource group ${this.options.resourceGroup}`);
    return zoneName;
  }

  #allZones(): Promise<string[]> {
    this.#zones ??= (this.options.zone !== undefined ? this.#configuredZone(this.options.zone) : this.#listZones()).catch((error: unknown) => {
      // A failed lookup is not cached: the next record (or round) asks again.
      this.#zones = undefined;
      throw error;
    });
    return this.#zones;
  }

  async #configuredZone(zone: string): Promise<string[]> {
    const found = await this.#send('zones.get', () => this.client.dns.zones.get(this.options.resourceGroup, zone));
    return [absoluteName(found.name ?? zone)];
  }

  async #listZones(): Promise<string[]> {
    const { items } = await readAllPages(
      () => this.client.dns.zones.listByResourceGroup(this.options.resourceGroup, { top: ZONES_PER_PAGE }),
      (call) => this.#send('zones.list', call),
      `the DNS zones of resource group ${this.options.resourceGroup}`,
    );
    return items.flatMap((zone) => (zone.name !== undefined ? [absoluteName(zone.name)] : []));
  }

  async #send<T>(operation: AzureDnsOperation, call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.call(operation, call);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      const failure = describeAzureDnsError(error, operation);
      throw new ProviderError(failure.kind, failure.message);
    }
  }
}
