import type { Provider, ProviderContext } from '../types.js';
import type { ZonefileSettings } from './settings.js';

// Placeholder until the adapter lands (its issue replaces this file).
export function createProvider(_settings: ZonefileSettings, context: ProviderContext): Provider {
  throw new Error(`provider ${context.id}: the zonefile adapter is not built yet`);
}
