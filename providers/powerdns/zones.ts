import { isInZone, normalizeName } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import { callApi, type ApiEndpoint } from './api.js';

/** The path of a zone in the API: its id is the name with a trailing dot. */
export function zonePath(zone: string): string {
  return `/zones/${encodeURIComponent(`${zone}.`)}`;
}

/** The names of the zones the server holds (one GET). */
export async function listZones(endpoint: ApiEndpoint): Promise<string[]> {
  const result = await callApi(endpoint, 'GET', '/zones', 'the list of zones');
  if (result.kind === 'failed') throw new ProviderError(result.failure.kind, result.failure.message);
  if (!Array.isArray(result.body)) throw new ProviderError('error', `${endpoint.label} sent a zone list that is not a list`);
  return result.body.flatMap((zone: unknown) => {
    const name = (zone as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [normalizeName(name)] : [];
  });
}

/** The deepest of `zones` that holds `name`. */
export function zoneOf(name: string, zones: readonly string[], label: string): string {
  const holding = zones.filter((zone) => isInZone(name, zone)).sort((a, b) => b.length - a.length);
  if (holding[0] === undefined) throw new ProviderError('rejected', `${label} holds no zone for ${name} (zones there: ${zones.slice(0, 10).join(', ') || 'none'})`);
  return holding[0];
}
