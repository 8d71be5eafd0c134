import type Cloudflare from 'cloudflare';
import { isInZone, normalizeName } from '../../src/names.js';
import { ProviderError } from '../types.js';
import { readError } from './errors.js';

export interface ZoneRef {
  readonly name: string;
  readonly id: string;
}

/**
 * Zone names ↔ zone ids for one provider instance (one run). The core only ever sees zone names;
 * the ids stay here. Every lookup is made once and shared by concurrent callers.
 */
export class ZoneDirectory {
  /** `zones.list({name})` per candidate name: the zone of that exact name, or null. */
  readonly #byName = new Map<string, Promise<ZoneRef | null>>();
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
    for (const candidate of candidates) {
      const zone = await this.#lookup(candidate);
      if (zone) return zone.name;
    }
    throw new ProviderError(
      'error',
      `no Cloudflare zone visible to the token holds ${name} (looked for ${candidates.join(', ')}); ` +
        'the token needs Zone → Zone → Read on it to find it by name, or set zoneId or the record\'s zone',
    );
  }

  /** The id of the zone named `zone`. With a configured zoneId no call is made unless its name is already known. */
  async idFor(zone: string): Promise<string> {
    if (this.zoneId !== undefined) {
      // A record's configured zone is trusted (a DNS-only token cannot read zone details); when the
      // zone's real name is known, a mismatch is refused rather than writing into the wrong zone.
      const known = this.#configured ? await this.#configured : undefined;
      if (known && known.name !== zone) throw new ProviderError('error', `zone ${zone} is not the configured zoneId's zone (${known.name})`);
      return this.zoneId;
    }
    const ref = await this.#lookup(zone);
    if (!ref) throw new ProviderError('error', `zone ${zone} not found in Cloudflare (or the token lacks Zone → Zone → Read on it)`);
    return ref.id;
  }

  /** Forgets what is known about `zone` (after a failed read: the zone may have been re-created with a new id). */
  forget(zone: string): void {
    this.#byName.delete(zone);
  }

  #configuredZone(): Promise<ZoneRef> {
    const zoneId = this.zoneId!;
    this.#configured ??= this.client.zones.get({ zone_id: zoneId }).then(
      (zone) => ({ id: zone.id, name: normalizeName(zone.name) }),
      (error: unknown) => {
        this.#configured = undefined; // a failure is not remembered: the next call asks again
        throw readError(error, 'zone-lookup', zoneId);
      },
    );
    return this.#configured;
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
      const page = await this.client.zones.list({ name });
      const matches = page.result.filter((z) => normalizeName(z.name) === name);
      const zone = matches.find((z) => z.status === 'active') ?? matches[0];
      return zone ? { id: zone.id, name } : null;
    } catch (error) {
      throw readError(error, 'zone-lookup', name);
    }
  }
}

/** `a.b.example.com` → [a.b.example.com, b.example.com, example.com]: longest first, never a bare TLD. */
export function suffixes(name: string): string[] {
  const labels = name.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out.length > 0 ? out : [name];
}
