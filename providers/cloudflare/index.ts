import type Cloudflare from 'cloudflare';
import type { ApplyOutcome, Change, RecordSets } from '../../src/model.js';
import { ProviderError, type ApplyContext, type Provider, type ProviderCapabilities, type ProviderContext } from '../types.js';
import { createCloudflareClient } from './client.js';
import { readError, withoutSecret } from './errors.js';
import { planOperations } from './operations.js';
import { readExisting } from './read.js';
import { toRecordSets, type ExistingAtName } from './records.js';
import type { Secret } from '../../src/lib/secret.js';
import type { CloudflareSettings } from './settings.js';
import { writeOperations } from './write.js';
import { ZoneDirectory } from './zones.js';

export function createProvider(settings: CloudflareSettings, context: ProviderContext): Provider {
  return new CloudflareProvider(settings, context);
}

/**
 * Cloudflare through the official SDK. Zone names are what the core sees; zone ids and record
 * ids stay here. `read` keeps each record's id, proxied flag, comment and tags, so that `apply`
 * can recycle ids with PATCH (never leaving a name empty) and preserve what a person set.
 */
class CloudflareProvider implements Provider {
  readonly capabilities: ProviderCapabilities;
  readonly #client: Cloudflare;
  readonly #zones: ZoneDirectory;
  readonly #context: ProviderContext;
  readonly #token: Secret;
  /** Records as last read: zone → name → records. Dropped for a name once it is written. */
  readonly #existing = new Map<string, Map<string, ExistingAtName>>();
  readonly #batchRoute = { available: true };
  readonly #batchSize: number;

  constructor(settings: CloudflareSettings, context: ProviderContext) {
    this.capabilities = { atomicZoneBatch: true, compareAndSwap: false, maxBatch: settings.batchSize };
    this.#client = createCloudflareClient(settings, context.logger);
    this.#zones = new ZoneDirectory(this.#client, settings.zoneId);
    this.#context = context;
    this.#token = settings.apiToken;
    this.#batchSize = settings.batchSize;
  }

  async findZone(name: string): Promise<string> {
    try {
      return await this.#zones.findZone(name);
    } catch (error) {
      throw this.#scrubbed(readError(error, 'zone-lookup', name));
    }
  }

  async read(zone: string, names: readonly string[]): Promise<Map<string, RecordSets>> {
    const existing = await this.#readExisting(zone, names);
    return new Map([...existing].map(([name, records]) => [name, toRecordSets(records)]));
  }

  async apply(zone: string, changes: readonly Change[], context?: ApplyContext): Promise<Map<string, ApplyOutcome>> {
    const names = [...new Set(changes.map((c) => c.name))];
    let zoneId: string;
    try {
      zoneId = await this.#zones.idFor(zone);
      // The core reads before it applies; a name it did not read here is read now, for its ids.
      const cached = this.#existing.get(zone);
      const unread = names.filter((name) => !cached?.has(name));
      if (unread.length > 0) await this.#readExisting(zone, unread);
    } catch (error) {
      const failure = readError(error, 'read', zone);
      const outcome: ApplyOutcome = { status: 'not-applied', kind: failure.kind, message: withoutSecret(failure.message, this.#token.reveal()) };
      return new Map(names.map((name) => [name, outcome]));
    }

    const cached = this.#existing.get(zone)!;
    const operations = planOperations(changes, (name) => cached.get(name), (name) => context?.targets.get(name));
    // Nothing cached survives a write: the next round reads again.
    for (const name of names) cached.delete(name);

    const outcomes = await writeOperations(
      { client: this.#client, zoneId, zone, batchSize: this.#batchSize, logger: this.#context.logger, batchRoute: this.#batchRoute },
      operations,
    );
    for (const [name, ops] of operations) {
      if (ops.length === 0) {
        outcomes.set(name, { status: 'applied', detail: 'nothing to send: the records already match (the TTL of a proxied record stays automatic)' });
      }
    }
    return new Map([...outcomes].map(([name, outcome]) => [name, this.#scrubOutcome(outcome)]));
  }

  async #readExisting(zone: string, names: readonly string[]): Promise<Map<string, ExistingAtName>> {
    let existing: Map<string, ExistingAtName>;
    try {
      const zoneId = await this.#zones.idFor(zone);
      existing = await readExisting(this.#client, zoneId, zone, names, this.#context.logger);
    } catch (error) {
      // A long-running process must not keep a stale zone id forever: look it up again next time.
      this.#zones.forget(zone);
      throw this.#scrubbed(readError(error, 'read', zone));
    }
    const cached = this.#existing.get(zone) ?? new Map<string, ExistingAtName>();
    for (const [name, records] of existing) cached.set(name, records);
    this.#existing.set(zone, cached);
    return existing;
  }

  #scrubbed(error: ProviderError): ProviderError {
    const message = withoutSecret(error.message, this.#token.reveal());
    return message === error.message ? error : new ProviderError(error.kind, message);
  }

  #scrubOutcome(outcome: ApplyOutcome): ApplyOutcome {
    return outcome.status === 'applied' ? outcome : { ...outcome, message: withoutSecret(outcome.message, this.#token.reveal()) };
  }
}
