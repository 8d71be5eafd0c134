import type { ApplyOutcome, Change } from '../../src/model.js';
import { failedOutcome, outcomeForAll } from '../types.js';
import { callApi, type ApiEndpoint } from './api.js';
import { powerdnsHttpsContent } from './https-content.js';
import { zonePath } from './zones.js';

/**
 * Every change of the zone in one PATCH of RRsets (REPLACE with the new values and TTL, DELETE
 * for a type that goes away; HTTPS content in the form PowerDNS accepts), which PowerDNS applies in one transaction: all names applied, or
 * none. Other types at the names (MX, TXT…) are separate RRsets and stay as they are.
 */
export async function applyZone(endpoint: ApiEndpoint, zone: string, changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
  const rrsets = changes.map((change) =>
    change.after === null
      ? { name: `${change.name}.`, type: change.family, changetype: 'DELETE' }
      : {
          name: `${change.name}.`,
          type: change.family,
          ttl: change.after.ttl,
          changetype: 'REPLACE',
          records: change.after.values.map((value) => ({ content: change.family === 'HTTPS' ? powerdnsHttpsContent(value) : value, disabled: false })),
        },
  );
  const result = await callApi(endpoint, 'PATCH', zonePath(zone), `the change of zone ${zone}`, { rrsets });
  if (result.kind === 'ok') return outcomeForAll(changes, { status: 'applied' });
  const { failure } = result;
  return outcomeForAll(changes, failedOutcome(failure.maybeApplied ? failure : { ...failure, message: `${failure.message}; nothing applied` }));
}
