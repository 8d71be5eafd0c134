import type { Provider, ProviderContext } from '../types.js';
import type { Route53Settings } from './settings.js';

// Placeholder until the adapter lands (its issue replaces this file).
export function createProvider(_settings: Route53Settings, context: ProviderContext): Provider {
  throw new Error(`provider ${context.id}: the route53 adapter is not built yet`);
}
