import type Cloudflare from 'cloudflare';
import type { ApplyOutcome, Change } from '../../src/model.js';
import { outcomeForAll, ProviderError, type ApplyContext, type Provider, type ProviderCapabilities, type ProviderContext, type ZoneSnapshot } from '../types.js';
import { createCloudflareClient } from './client.js';
import { readError, withoutSecret } from './errors.js';
import { planOperations } from './operations.js';
import { readExisting } from './read.js';
import { toRecordSets, type ExistingAtName } from './records.js';
import type { Secret } from '../../src/lib/secret.js';
import { capabilitiesOf, type CloudflareSettings } from './settings.js';
import { writeOperations } from './write.js';
import { ZoneDirectory } from './zones.js';

export function createProvider(settings: CloudflareSettings, context: ProviderContext): Provider {
  return new CloudflareProvider(settings, context);
}

/** What a read saw at each name, with each record's id, proxied flag, comment and tags. */
type CloudflareSnapshot = ZoneSnapshot<ReadonlyMap<string, ExistingAtName>>;

/**
 * Cloudflare through the official SDK. Zone names are what the core sees; zone ids and record
 * ids stay here. The snapshot of a read carries each record's id, proxied flag, comment and tags,
 * so that `apply` can recycle ids with PATCH (never leaving a name empty) and preserve what a
 * person set.
 */
class CloudflareProvider implements Provider<ReadonlyMap<string, ExistingAtName>> {
  readonly capabilities: ProviderCapabilities;
  readonly #client: Cloudflare;
  readonly #zones: ZoneDirectory;
  readonly #context: ProviderContext;
  readonly #token: Secret;
  readonly #batchRoute = { available: true };
  readonly #batchSize: number;

  constructor(settings: CloudflareSettings, context: ProviderContext) {
    this.capabilities = capabilitiesOf(settings);
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

  async read(zone: string, names: readonly string[]): Promise<CloudflareSnapshot> {
    let existing: Map<string, ExistingAtName>;
    try {
      const zoneId = await this.#zones.idFor(zone);
      existing = await readExisting(this.#client, zoneId, zone, names, this.#context.logger);
    } catch (error) {
      // A long-running process must not keep a stale zone id forever: look it up again next time.
      this.#zones.forget(zone);
      throw this.#scrubbed(readError(error, 'read', zone));
    }
    return { zone, records: new Map([...existing].map(([name, records]) => [name, toRecordSets(records)])), state: existing };
  }

  async apply(snapshot: CloudflareSnapshot, changes: readonly Change[], context: ApplyContext): Promise<Map<string, ApplyOutcome>> {
    const zone = snapshot.zone;
    let zoneId: string;
    try {
      zoneId = await this.#zones.idFor(zone);
    } catch (error) {
      const failure = readError(error, 'read', zone);
      return outcomeForAll(changes, { status: 'not-applied', kind: failure.kind, message: withoutSecret(failure.message, this.#token.reveal()) });
    }
    const operations = planOperations(
      changes,
      (name) => snapshot.state.get(name),
      (name) => context.targets.get(name),
    );
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

  #scrubbed(error: ProviderError): ProviderError {
    const message = withoutSecret(error.message, this.#token.reveal());
    return message === error.message ? error : new ProviderError(error.kind, message, error.maybeApplied);
  }

  #scrubOutcome(outcome: ApplyOutcome): ApplyOutcome {
    return outcome.status === 'applied' ? outcome : { ...outcome, message: withoutSecret(outcome.message, this.#token.reveal()) };
  }
}
