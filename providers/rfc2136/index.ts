import type { Provider, ProviderContext } from '../types.js';
import type { Rfc2136Settings } from './settings.js';

// Placeholder until the adapter lands (its issue replaces this file).
export function createProvider(_settings: Rfc2136Settings, context: ProviderContext): Provider {
  throw new Error(`provider ${context.id}: the rfc2136 adapter is not built yet`);
}
