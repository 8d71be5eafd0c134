import type Cloudflare from 'cloudflare';
import { PermissionDeniedError } from 'cloudflare';
import type { Zone } from 'cloudflare/resources/zones/zones';
import { isInZone, normalizeName } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import { listZones } from './envelope.js';
import { readError } from './errors.js';
import { collectPages } from './read.js';

export interface ZoneRef {
  readonly name: string;
  readonly id: string;
}

/** Zones per page of the account's zone listing: the most `GET /zones` serves (Cloudflare API docs). */
export const ZONES_PER_PAGE = 50;

/** Every zone the token can see, by name; or `per-name` when zones are looked up one name at a time. */
type Listing = ReadonlyMap<string, ZoneRef> | 'per-name';

/**
 * Zone names ↔ zone ids for one provider instance. The core only ever sees zone names; the ids
 * stay here.
 *
 * Discovery (a record without `zone:`) lists the account's zones once (`GET /zones`, 50 per
 * page) and matches each name's longest suffix locally, the listing being shared by every
 * concurrent `findZone`: 5 000 names in 3 zones cost one call, where a `?name=` lookup per
 * candidate name cost one per name. Zones are looked up by exact name instead when the token may
 * not list them (403), or when the first page shows that the remaining pages would cost more calls
 * than a lookup per candidate name (an account with thousands of zones and a few managed names).
 */
export class ZoneDirectory {
  /** `?name=` lookups per candidate name: the zone of that exact name, or null. */
  readonly #byName = new Map<string, Promise<ZoneRef | null>>();
  /** The account's zones, listed on the first discovery and shared. */
  #listing: Promise<Listing> | undefined;
  /** A name was not in the listing: the next discovery lists again (the zone may have been added since). */
  #listingStale = false;
  /** Candidate names asked for: what lookups by name would cost, weighed against the listing's pages. */
  readonly #candidates = new Set<string>();
  /** The configured `zoneId`'s zone, fetched when its name is first needed. */
  #configured: Promise<ZoneRef> | undefined;

  constructor(
    private readonly client: Cloudflare,
    private readonly zoneId: string | undefined,
  ) {}

  /** The zone holding `name`: the configured zone, else the longest suffix of `name` that is a zone. */
  async findZone(name: string): Promise<string> {
    if (this.zoneId !== undefined) {
      const zone = await this.#configuredZone();
      if (!isInZone(name, zone.name)) throw new ProviderError('error', `${name} is not in zone ${zone.name} (the configured zoneId)`);
      return zone.name;
    }
    const candidates = suffixes(name);
    for (const candidate of candidates) this.#candidates.add(candidate);
    const listing = await this.#accountZones();
    if (listing !== 'per-name') {
      const zone = candidates.map((candidate) => listing.get(candidate)).find((z) => z !== undefined);
      if (zone) return zone.name;
      this.#listingStale = true;
      throw notFound(name, candidates, `${listing.size} zone${listing.size === 1 ? '' : 's'} listed`);
    }
    for (const candidate of candidates) {
      const zone = await this.#lookup(candidate);
      if (zone) return zone.name;
    }
    throw notFound(name, candidates, 'looked up by name');
  }

  /**
   * The id of the zone named `zone`. With a configured zoneId no call is made unless its name is
   * already known; after a discovery the listing answers; else one lookup by name.
   */
  async idFor(zone: string): Promise<string> {
    if (this.zoneId !== undefined) {
      // A record's configured zone is trusted (a DNS-only token cannot read zone details); when the
      // zone's real name is known, a mismatch is refused rather than writing into the wrong zone.
      const known = this.#configured ? await this.#configured : undefined;
      if (known && known.name !== zone) throw new ProviderError('error', `zone ${zone} is not the configured zoneId's zone (${known.name})`);
      return this.zoneId;
    }
    const listing = this.#listing ? await this.#listing : 'per-name';
    if (listing !== 'per-name') {
      const ref = listing.get(zone);
      if (!ref) throw new ProviderError('error', `zone ${zone} is not among the ${listing.size} Cloudflare zones the token can see (it needs Zone → Zone → Read on it)`);
      return ref.id;
    }
    const ref = await this.#lookup(zone);
    if (!ref) throw new ProviderError('error', `zone ${zone} not found in Cloudflare (or the token lacks Zone → Zone → Read on it)`);
    return ref.id;
  }

  /** Forgets what is known about `zone` (after a failed read: the zone may have been re-created with a new id). */
  forget(zone: string): void {
    this.#byName.delete(zone);
    this.#listing = undefined;
  }

  #configuredZone(): Promise<ZoneRef> {
    const zoneId = this.zoneId!;
    this.#configured ??= this.client.zones.get({ zone_id: zoneId }).then(
      (zone: unknown) => {
        const ref = zoneRef(zone);
        if (!ref) throw new ProviderError('unreachable', `Cloudflare's answer about the configured zoneId was not a zone (not the API's JSON envelope)`);
        return ref;
      },
      (error: unknown) => {
        this.#configured = undefined; // a failure is not remembered: the next call asks again
        throw readError(error, 'zone-lookup', zoneId);
      },
    );
    return this.#configured;
  }

  /** The shared listing; a new one when there is none yet or the last one missed a name. */
  #accountZones(): Promise<Listing> {
    if (!this.#listing || this.#listingStale) {
      this.#listingStale = false;
      const listing = this.#listAccountZones();
      this.#listing = listing;
      // A failure is not remembered: the next call lists again.
      listing.catch(() => {
        if (this.#listing === listing) this.#listing = undefined;
      });
    }
    return this.#listing;
  }

  async #listAccountZones(): Promise<Listing> {
    try {
      const first = await listZones(this.client, { per_page: ZONES_PER_PAGE });
      // Every candidate name of this round's discovery was asked for before the first page came back
      // (the core calls findZone for all its records at once).
      const totalPages = (first.result_info as { total_pages?: unknown }).total_pages;
      if (typeof totalPages === 'number' && totalPages - 1 > this.#candidates.size) return 'per-name';
      return indexZones(await collectPages(first));
    } catch (error) {
      // A token that may not list zones may still be allowed to look one up by name.
      if (error instanceof PermissionDeniedError) return 'per-name';
      throw readError(error, 'zone-lookup', 'the account');
    }
  }

  #lookup(name: string): Promise<ZoneRef | null> {
    let found = this.#byName.get(name);
    if (!found) {
      found = this.#fetchByName(name);
      this.#byName.set(name, found);
      // A failure is not remembered: the next call asks again.
      found.catch(() => this.#byName.delete(name));
    }
    return found;
  }

  async #fetchByName(name: string): Promise<ZoneRef | null> {
    try {
      // One page is enough: an exact name matches at most a few zones (one per account).
      const page = await listZones(this.client, { name });
      return indexZones(page.result).get(name) ?? null;
    } catch (error) {
      throw readError(error, 'zone-lookup', name);
    }
  }
}

/** Zones by normalised name; where a name is listed twice (a zone re-added elsewhere), the active one. */
function indexZones(zones: Iterable<Zone>): Map<string, ZoneRef> {
  const byName = new Map<string, { ref: ZoneRef; active: boolean }>();
  for (const zone of zones) {
    const ref = zoneRef(zone);
    if (!ref) continue;
    const active = zone.status === 'active';
    const known = byName.get(ref.name);
    if (!known || (active && !known.active)) byName.set(ref.name, { ref, active });
  }
  return new Map([...byName].map(([name, { ref }]) => [name, ref]));
}

function zoneRef(zone: unknown): ZoneRef | undefined {
  if (typeof zone !== 'object' || zone === null) return undefined;
  const { id, name } = zone as { id?: unknown; name?: unknown };
  return typeof id === 'string' && id !== '' && typeof name === 'string' && name !== '' ? { id, name: normalizeName(name) } : undefined;
}

function notFound(name: string, candidates: readonly string[], how: string): ProviderError {
  return new ProviderError(
    'error',
    `no Cloudflare zone visible to the token holds ${name} (looked for ${candidates.join(', ')}; ${how}); ` +
      "the token needs Zone → Zone → Read on it to find it by name, or set zoneId or the record's zone",
  );
}

/** `a.b.example.com` → [a.b.example.com, b.example.com, example.com]: longest first, never a bare TLD. */
export function suffixes(name: string): string[] {
  const labels = name.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out.length > 0 ? out : [name];
}
