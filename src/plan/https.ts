import { canonicalSvcbValues, SVC_KEY, type SvcbRecord } from '../dns/svcb.js';
import type { Change, Family, RecordSet } from '../model.js';
import type { HttpsResolution } from '../resolve/types.js';
import type { TtlPolicy } from '../config/types.js';
import { ttlForChange, ttlNeedsRewrite } from './ttl.js';
import type { FamilyDecision } from './types.js';
import ipaddr from 'ipaddr.js';

/** `https:` of a record: carry the target's HTTPS RRset over (`mirror`), or point at the target (`alias`). */
export type HttpsMode = 'off' | 'mirror' | 'alias';

export interface HttpsPlanInput {
  readonly name: string;
  readonly target: string;
  readonly mode: Exclude<HttpsMode, 'off'>;
  readonly ttl: TtlPolicy;
  /** The target's HTTPS RRset (mirror only). */
  readonly resolved: HttpsResolution | undefined;
  /** The addresses the name holds after this round, per family (absent: the family is not published). */
  readonly published: Readonly<Partial<Record<Family, readonly string[]>>>;
  /** What the provider holds: the name's HTTPS RRset, values in canonical presentation form. */
  readonly current: RecordSet | undefined;
}

/**
 * The HTTPS decision of one record (docs/design/https-records.md). Pure.
 * - alias: `0 target.` at the name, written once and kept.
 * - mirror: each record of the target's RRset at the name: ServiceMode with TargetName "." gets the
 *   hints of the addresses published here (a hint of a family not published is dropped); other
 *   records are copied as they are. No RRset at the target (while the name's addresses are being
 *   published) deletes the name's: a stale `ech` breaks connections. A failed lookup leaves it.
 */
export function planHttps(input: HttpsPlanInput): FamilyDecision {
  const { name, current } = input;
  if (input.mode === 'alias') {
    const values = canonicalSvcbValues([{ priority: 0, target: input.target, params: new Map() }]);
    const ttl = input.ttl.kind === 'fixed' ? input.ttl.ttl : input.ttl.max;
    return decide(name, current, { ttl, values }, ttl);
  }
  const resolution = input.resolved;
  if (resolution === undefined) return { family: 'HTTPS', kind: 'failed', cause: 'error', reason: 'not resolved' };
  if (resolution.kind === 'failure') return { family: 'HTTPS', kind: 'failed', cause: resolution.cause, reason: resolution.reason };
  if (resolution.kind === 'empty') {
    const publishing = input.published.A !== undefined || input.published.AAAA !== undefined;
    if (current === undefined) return { family: 'HTTPS', kind: 'unchanged' };
    if (!publishing) {
      return {
        family: 'HTTPS',
        kind: 'failed',
        cause: 'empty',
        reason: `target has no HTTPS record (${resolution.reason}) and no address is published; the HTTPS record is left as it is`,
      };
    }
    return { family: 'HTTPS', kind: 'change', change: { action: 'delete', name, family: 'HTTPS', before: current, after: null } };
  }
  const records = resolution.records.map((record) => withHints(record, input.published));
  return decide(name, current, { ttl: ttlForChange(input.ttl, resolution.ttl), values: canonicalSvcbValues(records) }, resolution.ttl, input.ttl);
}

function decide(name: string, current: RecordSet | undefined, desired: RecordSet, _observed: number, policy?: TtlPolicy): FamilyDecision {
  if (current === undefined) return { family: 'HTTPS', kind: 'change', change: { action: 'create', name, family: 'HTTPS', before: null, after: desired } };
  const same = current.values.length === desired.values.length && current.values.every((v, i) => v === desired.values[i]);
  const ttlOk = policy === undefined ? current.ttl === desired.ttl : !ttlNeedsRewrite(policy, current.ttl);
  if (same && ttlOk) return { family: 'HTTPS', kind: 'unchanged' };
  const change: Change = { action: 'update', name, family: 'HTTPS', before: current, after: desired };
  return { family: 'HTTPS', kind: 'change', change };
}

/** A ServiceMode record for the owner itself carries the hints of what is published at the name. */
function withHints(record: SvcbRecord, published: HttpsPlanInput['published']): SvcbRecord {
  if (record.priority === 0 || record.target !== '') return record;
  const params = new Map(record.params);
  for (const [family, key] of [
    ['A', SVC_KEY.ipv4hint],
    ['AAAA', SVC_KEY.ipv6hint],
  ] as const) {
    const addresses = published[family];
    if (addresses === undefined || addresses.length === 0) params.delete(key);
    else params.set(key, Buffer.concat(addresses.map((a) => Buffer.from(ipaddr.parse(a).toByteArray()))));
  }
  return { ...record, params };
}
