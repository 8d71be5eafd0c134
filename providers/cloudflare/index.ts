import type { Provider, ProviderContext } from '../types.js';
import type { CloudflareSettings } from './settings.js';

// Placeholder until the adapter lands (its issue replaces this file).
export function createProvider(_settings: CloudflareSettings, context: ProviderContext): Provider {
  throw new Error(`provider ${context.id}: the cloudflare adapter is not built yet`);
}
