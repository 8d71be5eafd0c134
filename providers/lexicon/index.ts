import type { ApplyOutcome, FailureKind, RecordSets } from '../../src/model.js';
import { isInZone } from '../../src/lib/names.js';
import type { AddressChange, Provider, ProviderContext, ZoneSnapshot } from '../types.js';
import { addressChangesOnly, ProviderError } from '../types.js';
import { applyName } from './apply.js';
import { BridgeError, LexiconBridge } from './bridge.js';
import { interpreterFor } from './interpreter.js';
import { readName, type StoredText } from './records.js';
import { capabilitiesOf, type LexiconSettings } from './settings.js';

/** The helper process ends this long after a round's last call. */
const IDLE_MS = 2_000;

/**
 * A bridge to dns-lexicon (~80 DNS hosts' APIs) through one long-lived Python helper per round
 * (bridge.ts). Lexicon has no transactions and no compare-and-swap; writes are ordered so a name
 * never goes empty, and re-read to report exactly what was written (apply.ts).
 */
/** The snapshot carries the records' stored text, for deletes (lexicon has no record versions). */
export function createProvider(settings: LexiconSettings, context: ProviderContext): Provider<StoredText> {
  const bridge = new LexiconBridge({
    python: interpreterFor(settings.command),
    provider: settings.provider,
    options: settings.options,
    timeoutMs: settings.timeoutMs,
    idleMs: IDLE_MS,
  });
  const logger = context.logger;
  const zones = new Map<string, Promise<string>>();
  const fail = (error: unknown): never => {
    if (error instanceof BridgeError) throw new ProviderError(providerKind(error), describe(error, settings.provider));
    throw error;
  };

  return {
    capabilities: capabilitiesOf(settings),
    findZone(name) {
      let zone = zones.get(name);
      if (zone === undefined) {
        zone = findZone(bridge, name, settings).catch(fail);
        zones.set(name, zone);
        zone.catch(() => zones.delete(name));
      }
      return zone;
    },
    async read(zone, names): Promise<ZoneSnapshot<StoredText>> {
      logger.debug({ zone, names: names.length, lexicon: settings.provider }, 'lexicon: reading');
      const read = new Map<string, RecordSets>();
      const stored: StoredText = new Map();
      try {
        await bridge.call('fresh', { zone });
        for (const name of names) read.set(name, await readName(bridge, zone, name, stored));
      } catch (error) {
        fail(error);
      }
      return { zone, records: read, state: stored };
    },
    async apply(snapshot, changes) {
      const zone = snapshot.zone;
      const outcomes = new Map<string, ApplyOutcome>();
      const byName = new Map<string, AddressChange[]>();
      for (const change of addressChangesOnly(changes)) byName.set(change.name, [...(byName.get(change.name) ?? []), change]);
      try {
        await bridge.call('fresh', { zone });
      } catch (error) {
        if (!(error instanceof BridgeError)) throw error;
        const outcome: ApplyOutcome = { status: 'not-applied', kind: providerKind(error), message: `${describe(error, settings.provider)}; nothing applied` };
        return new Map([...byName.keys()].map((name) => [name, outcome]));
      }
      for (const [name, ofName] of byName) {
        try {
          outcomes.set(name, await applyName(bridge, zone, name, ofName, settings.provider, snapshot.state));
        } catch (error) {
          if (!(error instanceof BridgeError)) throw error;
          outcomes.set(name, { status: 'unconfirmed', kind: providerKind(error), message: describe(error, settings.provider) });
        }
      }
      logger.debug({ zone, helpers: bridge.started }, 'lexicon: applied');
      return outcomes;
    },
    close() {
      return bridge.close();
    },
  };
}

/** The deepest configured zone holding `name`; without `zones`, the deepest name lexicon accepts. */
async function findZone(bridge: LexiconBridge, name: string, settings: LexiconSettings): Promise<string> {
  if (settings.zones !== undefined) {
    const zone = settings.zones.filter((candidate) => isInZone(name, candidate)).sort((a, b) => b.length - a.length)[0];
    if (zone === undefined) throw new ProviderError('rejected', `none of the zones configured for this lexicon provider (${settings.zones.join(', ')}) holds ${name}`);
    return zone;
  }
  const labels = name.split('.');
  let last: BridgeError | undefined;
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    try {
      await bridge.call('auth', { zone: candidate });
      return candidate;
    } catch (error) {
      // Only "no such domain" moves on to the parent; refused credentials and the rest are the answer.
      if (!(error instanceof BridgeError) || (error.kind !== 'not-found' && error.kind !== 'http' && error.kind !== 'error')) throw error;
      last = error;
    }
  }
  throw new ProviderError(
    'rejected',
    `lexicon's ${settings.provider} provider accepted no zone for ${name} (last answer: ${last?.message ?? 'none'}); set zones in the provider or zone on the record`,
  );
}

function providerKind(error: BridgeError): FailureKind {
  switch (error.kind) {
    case 'auth':
      return 'auth';
    case 'not-found':
      return 'not-found';
    case 'lost':
      return 'unreachable';
    case 'timeout':
      return 'timeout';
    case 'missing-python':
    case 'missing-lexicon':
    case 'missing-provider':
      return 'config';
    default:
      return 'error';
  }
}

/** The error in words, with how to install what is missing. */
function describe(error: BridgeError, provider: string): string {
  switch (error.kind) {
    case 'missing-lexicon':
      return `${error.message}: install it (Debian/Ubuntu: apt-get install lexicon; elsewhere: pip install dns-lexicon) and set command to that Python`;
    case 'missing-provider':
      return `${error.message}: check the name against lexicon --help, or install the provider's extra (pip install 'dns-lexicon[${provider}]')`;
    case 'auth':
      return `lexicon's ${provider} provider was refused: ${error.message} (check the credentials in options)`;
    default:
      return `lexicon's ${provider} provider: ${error.message}`;
  }
}
