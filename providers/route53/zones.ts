import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  type HostedZone,
  type ListHostedZonesByNameCommandInput,
  type ListHostedZonesByNameCommandOutput,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { Logger } from 'pino';
import { isInZone } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import { describeRoute53Error, type Route53Operation } from './errors.js';
import { fromRoute53Name } from './names.js';

/** A hosted zone as the adapter keeps it: the core only ever sees `name`. */
export interface HostedZoneRef {
  /** Without the `/hostedzone/` prefix. */
  readonly id: string;
  /** Normalised zone name. */
  readonly name: string;
  readonly private: boolean;
}

export interface ZoneDirectoryOptions {
  readonly hostedZoneId?: string | undefined;
  readonly privateZones: boolean;
}

/** Zones per ListHostedZonesByName page when seeking one name: rarely more than two share it. */
const ZONES_PER_PAGE = 10;
/** The most zones one ListHostedZonesByName page returns. */
const MAX_ZONES_PER_PAGE = 100;

/**
 * Finds hosted zones and maps zone names to IDs, asking Route 53 once per run: every answer
 * (and every lookup still in flight) is cached, so records that share a zone share its lookup.
 */
export class ZoneDirectory {
  readonly #zonesNamed = new Map<string, Promise<HostedZoneRef[]>>();
  readonly #zoneOfName = new Map<string, Promise<HostedZoneRef>>();
  #configured: Promise<HostedZoneRef> | undefined;
  /** Every zone of the account when they fit in one page; undefined when there are more. */
  #everyZone: Promise<HostedZoneRef[] | undefined> | undefined;

  constructor(
    private readonly client: Route53Client,
    private readonly options: ZoneDirectoryOptions,
    private readonly logger: Logger,
  ) {}

  /** The hosted zone holding `name`: the configured one, else the longest matching suffix. */
  findZone(name: string): Promise<HostedZoneRef> {
    let found = this.#zoneOfName.get(name);
    if (found === undefined) {
      found = this.#lookUpZoneOf(name);
      this.#zoneOfName.set(name, found);
    }
    return found;
  }

  /** The hosted zone called `zoneName` (a zone the core got from `findZone` or from the config). */
  async zoneNamed(zoneName: string): Promise<HostedZoneRef> {
    if (this.options.hostedZoneId !== undefined) {
      const zone = await this.#configuredZone();
      if (zone.name !== zoneName) {
        throw new ProviderError('error', `hostedZoneId ${zone.id} is the zone ${zone.name}, not ${zoneName}`);
      }
      return zone;
    }
    const zone = this.#pick(zoneName, await this.#zonesCalled(zoneName));
    if (zone === undefined) throw new ProviderError('error', `no ${this.#kindOfZones()} hosted zone is named ${zoneName}`);
    return zone;
  }

  async #lookUpZoneOf(name: string): Promise<HostedZoneRef> {
    if (this.options.hostedZoneId !== undefined) {
      const zone = await this.#configuredZone();
      if (!isInZone(name, zone.name)) {
        throw new ProviderError('error', `${name} is not in hosted zone ${zone.id} (${zone.name})`);
      }
      return zone;
    }
    // Longest suffix first. ListHostedZonesByName is a cursor over all zones sorted by reversed
    // labels, so a name's parents are not next to it in the listing: each suffix is its own seek.
    const suffixes = name.split('.').map((_label, index, labels) => labels.slice(index).join('.'));
    for (const suffix of suffixes) {
      const zone = this.#pick(suffix, await this.#zonesCalled(suffix));
      if (zone !== undefined) {
        this.logger.debug({ name, zone: zone.name, zoneId: zone.id }, 'found the Route 53 hosted zone');
        return zone;
      }
    }
    throw new ProviderError('error', `no ${this.#kindOfZones()} hosted zone holds ${name} (looked for ${suffixes.join(', ')})`);
  }

  /** The one eligible zone among those called `zoneName`; two or more is an error the operator must settle. */
  #pick(zoneName: string, zones: readonly HostedZoneRef[]): HostedZoneRef | undefined {
    const eligible = zones.filter((zone) => this.options.privateZones || !zone.private);
    if (eligible.length > 1) {
      const listed = eligible.map((zone) => `${zone.id} (${zone.private ? 'private' : 'public'})`).join(', ');
      throw new ProviderError('error', `${eligible.length} hosted zones are named ${zoneName}: ${listed}; set hostedZoneId to choose one`);
    }
    return eligible[0];
  }

  #kindOfZones(): string {
    return this.options.privateZones ? 'public or private' : 'public';
  }

  /**
   * Most accounts have at most 100 hosted zones: one unfiltered page then answers every lookup
   * of the run (50 records in one zone cost one call, not one per name and parent). Larger
   * accounts are searched name by name.
   */
  async #zonesCalled(zoneName: string): Promise<HostedZoneRef[]> {
    this.#everyZone ??= this.#listZones({ MaxItems: MAX_ZONES_PER_PAGE }).then((page) => (page.IsTruncated === true ? undefined : page.HostedZones.map(toZoneRef)));
    const everyZone = await this.#everyZone;
    if (everyZone !== undefined) return everyZone.filter((zone) => zone.name === zoneName);
    let zones = this.#zonesNamed.get(zoneName);
    if (zones === undefined) {
      zones = this.#listZonesCalled(zoneName);
      this.#zonesNamed.set(zoneName, zones);
    }
    return zones;
  }

  /** Every zone whose name is exactly `zoneName`: the cursor starts there and runs past it. */
  async #listZonesCalled(zoneName: string): Promise<HostedZoneRef[]> {
    const matches: HostedZoneRef[] = [];
    let cursor: { dnsName: string; zoneId?: string } = { dnsName: zoneName };
    for (;;) {
      const page = await this.#listZones({ DNSName: cursor.dnsName, HostedZoneId: cursor.zoneId, MaxItems: ZONES_PER_PAGE });
      const zones = page.HostedZones.map(toZoneRef);
      const named = zones.filter((zone) => zone.name === zoneName);
      matches.push(...named);
      const ranPast = named.length < zones.length;
      if (ranPast || page.IsTruncated !== true || page.NextDNSName === undefined) return matches;
      if (fromRoute53Name(page.NextDNSName) !== zoneName) return matches;
      cursor = { dnsName: page.NextDNSName, ...(page.NextHostedZoneId !== undefined ? { zoneId: page.NextHostedZoneId } : {}) };
    }
  }

  /**
   * One ListHostedZonesByName page. Route 53 always sends HostedZones (empty as <HostedZones/>)
   * and IsTruncated; a 200 without them is some other page (a proxy's HTML, an empty body) that
   * the SDK parses into an empty answer, and taking that for "no zone" would misreport the name.
   */
  async #listZones(input: ListHostedZonesByNameCommandInput): Promise<ListHostedZonesByNameCommandOutput & { HostedZones: HostedZone[] }> {
    const page = await this.#send('ListHostedZonesByName', () => this.client.send(new ListHostedZonesByNameCommand(input)));
    const hostedZones = page.HostedZones;
    if (hostedZones === undefined || page.IsTruncated === undefined) {
      throw new ProviderError('error', 'Route 53 answered the zone lookup with something that is not a ListHostedZonesByName response');
    }
    return { ...page, HostedZones: hostedZones };
  }

  #configuredZone(): Promise<HostedZoneRef> {
    const id = this.options.hostedZoneId;
    if (id === undefined) throw new Error('no hostedZoneId configured');
    this.#configured ??= this.#send('GetHostedZone', () => this.client.send(new GetHostedZoneCommand({ Id: id }))).then((answer) => {
      if (answer.HostedZone === undefined) throw new ProviderError('error', `Route 53 returned no hosted zone for ${id}`);
      return toZoneRef(answer.HostedZone);
    });
    return this.#configured;
  }

  async #send<T>(operation: Route53Operation, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      const failure = describeRoute53Error(error, operation);
      throw new ProviderError(failure.kind, failure.message);
    }
  }
}

function toZoneRef(zone: HostedZone): HostedZoneRef {
  return {
    id: (zone.Id ?? '').replace(/^\/hostedzone\//, ''),
    name: fromRoute53Name(zone.Name ?? ''),
    private: zone.Config?.PrivateZone === true,
  };
}
