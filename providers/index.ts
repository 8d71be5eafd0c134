import { z } from 'zod';
import type { ProviderCapabilities, ProviderModule } from './types.js';
import * as zonefile from './zonefile/settings.js';
import * as rfc2136 from './rfc2136/settings.js';
import * as route53 from './route53/settings.js';
import * as cloudflare from './cloudflare/settings.js';
import * as googleclouddns from './googleclouddns/settings.js';
import * as azuredns from './azuredns/settings.js';
import * as powerdns from './powerdns/settings.js';
import * as lexicon from './lexicon/settings.js';

/**
 * The provider registry: per `type`, the settings schema and `capabilitiesOf` (small, loaded
 * eagerly for config validation) and the adapter module (imported only when a configured provider
 * of that type is used, so a zone-file setup never loads the AWS, Cloudflare, Google or Azure SDK).
 */
export const providerSettings = z.discriminatedUnion('type', [
  zonefile.zonefileSettings,
  rfc2136.rfc2136Settings,
  route53.route53Settings,
  cloudflare.cloudflareSettings,
  googleclouddns.googleCloudDnsSettings,
  azuredns.azureDnsSettings,
  powerdns.powerdnsSettings,
  lexicon.lexiconSettings,
]);
export type ProviderSettings = z.infer<typeof providerSettings>;
export type ProviderType = ProviderSettings['type'];
type SettingsOf<T extends ProviderType> = Extract<ProviderSettings, { type: T }>;

interface Registration<T extends ProviderType> {
  readonly capabilitiesOf: (settings: SettingsOf<T>) => ProviderCapabilities;
  readonly load: () => Promise<ProviderModule<SettingsOf<T>>>;
}

const registry: { readonly [T in ProviderType]: Registration<T> } = {
  zonefile: { capabilitiesOf: zonefile.capabilitiesOf, load: () => import('./zonefile/index.js') },
  rfc2136: { capabilitiesOf: rfc2136.capabilitiesOf, load: () => import('./rfc2136/index.js') },
  route53: { capabilitiesOf: route53.capabilitiesOf, load: () => import('./route53/index.js') },
  cloudflare: { capabilitiesOf: cloudflare.capabilitiesOf, load: () => import('./cloudflare/index.js') },
  googleclouddns: { capabilitiesOf: googleclouddns.capabilitiesOf, load: () => import('./googleclouddns/index.js') },
  azuredns: { capabilitiesOf: azuredns.capabilitiesOf, load: () => import('./azuredns/index.js') },
  powerdns: { capabilitiesOf: powerdns.capabilitiesOf, load: () => import('./powerdns/index.js') },
  lexicon: { capabilitiesOf: lexicon.capabilitiesOf, load: () => import('./lexicon/index.js') },
};

export const PROVIDER_TYPES = Object.keys(registry) as readonly ProviderType[];

/** The registration of `type`, looked up among the registry's own keys only (never `constructor`, `toString`…). */
function registrationOf<T extends ProviderType>(type: T): Registration<T> {
  if (!Object.hasOwn(registry, type)) throw new Error(`unknown provider type '${String(type)}'`);
  return registry[type];
}

export function capabilitiesOf(settings: ProviderSettings): ProviderCapabilities {
  // The union is narrowed by `type`; the registry pairs each type with its own function.
  const of = registrationOf(settings.type).capabilitiesOf as (s: ProviderSettings) => ProviderCapabilities;
  return of(settings);
}

export async function loadProviderModule<T extends ProviderType>(type: T): Promise<ProviderModule<SettingsOf<T>>> {
  return registrationOf(type).load();
}

export type { Provider, ProviderCapabilities, ProviderContext, ProviderModule, ZoneSnapshot } from './types.js';
export { ProviderError } from './types.js';
