import { sortAddresses } from '../addresses.js';
import type { Family, RecordSet } from '../model.js';
import type { DirectAnswer } from '../dns/direct.js';

/** What one server answered for one name and family, judged against the plan. */
export type FamilyObservation =
  | { readonly kind: 'match'; readonly values: readonly string[] }
  | { readonly kind: 'differs'; readonly values: readonly string[]; readonly reason?: string }
  /** `declined`: the server answered, but would not say (REFUSED, or not authoritative). */
  | { readonly kind: 'no-answer'; readonly reason: string; readonly declined: boolean };

/**
 * Judges one answer. Served means the same addresses (none, when the plan has none) with a TTL
 * no higher than the planned one: a cache in front of the server, or the server's own decrement,
 * only ever lowers it. Only an authoritative answer (AA) counts: a server that answers without
 * it does not hold the zone, whatever it says.
 */
export function observe(answer: DirectAnswer, family: Family, planned: RecordSet | undefined): FamilyObservation {
  if (answer.kind === 'failure') return { kind: 'no-answer', reason: answer.reason, declined: false };
  if (answer.rcode !== 'NOERROR' && answer.rcode !== 'NXDOMAIN') return { kind: 'no-answer', reason: `answered ${answer.rcode}`, declined: answer.rcode === 'REFUSED' };
  if (!answer.authoritative) return { kind: 'no-answer', reason: 'answered without authority (does it hold the zone?)', declined: true };
  const cname = answer.records.find((r) => r.type === 'CNAME');
  const records = answer.records.filter((r) => r.type === family);
  const values = sortAddresses([...new Set(records.map((r) => r.data))]);
  if (cname) return { kind: 'differs', values, reason: `CNAME ${cname.data}` };
  const wanted = new Set(planned?.values ?? []);
  if (values.length !== wanted.size || values.some((v) => !wanted.has(v))) return { kind: 'differs', values };
  const ttl = Math.max(0, ...records.map((r) => r.ttl));
  if (planned !== undefined && ttl > planned.ttl) return { kind: 'differs', values, reason: `TTL ${ttl}, planned ${planned.ttl}` };
  return { kind: 'match', values };
}
