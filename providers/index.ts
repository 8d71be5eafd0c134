import { z } from 'zod';
import type { ProviderModule } from './types.js';
import { zonefileSettings, type ZonefileSettings } from './zonefile/settings.js';
import { rfc2136Settings, type Rfc2136Settings } from './rfc2136/settings.js';
import { route53Settings, type Route53Settings } from './route53/settings.js';
import { cloudflareSettings, type CloudflareSettings } from './cloudflare/settings.js';
import { powerdnsSettings, type PowerdnsSettings } from './powerdns/settings.js';
import { lexiconSettings, type LexiconSettings } from './lexicon/settings.js';

/**
 * The provider registry: `type` → settings schema (small, loaded eagerly for config validation)
 * and the adapter module (imported only when a configured provider of that type is used, so a
 * zone-file setup never loads the AWS or Cloudflare SDK).
 */
export const providerSettings = z.discriminatedUnion('type', [
  zonefileSettings,
  rfc2136Settings,
  route53Settings,
  cloudflareSettings,
  powerdnsSettings,
  lexiconSettings,
]);
export type ProviderSettings = z.infer<typeof providerSettings>;
export type ProviderType = ProviderSettings['type'];
export const PROVIDER_TYPES: readonly ProviderType[] = ['zonefile', 'rfc2136', 'route53', 'cloudflare', 'powerdns', 'lexicon'];

interface SettingsByType {
  zonefile: ZonefileSettings;
  rfc2136: Rfc2136Settings;
  route53: Route53Settings;
  cloudflare: CloudflareSettings;
  powerdns: PowerdnsSettings;
  lexicon: LexiconSettings;
}

const loaders: { [T in ProviderType]: () => Promise<ProviderModule<SettingsByType[T]>> } = {
  zonefile: () => import('./zonefile/index.js'),
  rfc2136: () => import('./rfc2136/index.js'),
  route53: () => import('./route53/index.js'),
  cloudflare: () => import('./cloudflare/index.js'),
  powerdns: () => import('./powerdns/index.js'),
  lexicon: () => import('./lexicon/index.js'),
};

export async function loadProviderModule<T extends ProviderType>(type: T): Promise<ProviderModule<SettingsByType[T]>> {
  return loaders[type]();
}

export type { Provider, ProviderCapabilities, ProviderContext, ProviderModule } from './types.js';
export { ProviderError } from './types.js';
