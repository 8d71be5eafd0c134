import { isSpecialAddress, sortAddresses, specialPurposeOf } from '../addresses.js';
import { FAMILIES, type Change, type Family, type RecordSet } from '../model.js';
import { planHttps } from './https.js';
import type { FamilyResolution } from '../resolve/types.js';
import { ttlForChange, ttlNeedsRewrite } from './ttl.js';
import type { FamilyDecision, PlanInput, RecordPlan } from './types.js';

/**
 * Plans the A/AAAA changes of one record (docs/design/planning.md). Pure: same input, same plan.
 *
 * Families are decided independently, except for the empty rule: a family whose target has no
 * address is deleted only when another configured family will publish addresses in this same
 * round (or `allowEmpty` says an empty name is acceptable) — a name is never left without
 * address records because of a lookup that came back empty or failed.
 */
export function planRecord(input: PlanInput): RecordPlan {
  const { record, current } = input;
  if (current.conflict !== undefined) {
    const reason = `${current.conflict}; apexsync will not overwrite it`;
    return {
      name: record.name,
      conflict: current.conflict,
      decisions: [...record.families, ...(record.https !== undefined && record.https !== 'off' ? (['HTTPS'] as const) : [])].map((family) => ({
        family,
        kind: 'failed',
        cause: 'conflict',
        reason,
      })),
      changes: [],
      failed: true,
    };
  }

  // First pass: every family whose target resolved to publishable addresses, or failed.
  const desired = new Map<Family, RecordSet>();
  const decided = new Map<Family, FamilyDecision>();
  for (const family of record.families) {
    const resolution: FamilyResolution | undefined = input.resolved[family];
    if (resolution === undefined) {
      decided.set(family, { family, kind: 'failed', cause: 'error', reason: 'not resolved' });
    } else if (resolution.kind === 'failure') {
      decided.set(family, { family, kind: 'failed', cause: resolution.cause ?? 'error', reason: resolution.reason });
    } else if (resolution.kind === 'addresses') {
      const special = record.allowSpecialAddresses ? [] : resolution.addresses.filter(isSpecialAddress);
      if (special.length > 0) {
        decided.set(family, {
          family,
          kind: 'failed',
          cause: 'special-address',
          reason: `refused special-purpose address${special.length > 1 ? 'es' : ''} ${special.map((a) => `${a} (${specialPurposeOf(a)})`).join(', ')}; set allowSpecialAddresses: true to publish ${special.length > 1 ? 'them' : 'it'}`,
        });
      } else {
        const values = chooseAddresses(resolution.addresses, current[family]?.values ?? [], record.maxAddresses);
        desired.set(family, { ttl: resolution.ttl, values });
      }
    }
  }

  // Second pass: empty families. Deleted only beside a family that will publish, or when allowed.
  const otherWillPublish = desired.size > 0;
  for (const family of record.families) {
    const resolution = input.resolved[family];
    if (resolution?.kind !== 'empty') continue;
    if (otherWillPublish || record.allowEmpty) {
      const before = current[family];
      decided.set(family, before ? { family, kind: 'change', change: { action: 'delete', name: record.name, family, before, after: null } } : { family, kind: 'unchanged' });
    } else {
      decided.set(family, {
        family,
        kind: 'failed',
        cause: 'empty',
        reason: `target has no ${family} address (${resolution.reason})${emptyContext(record.families, family, input.resolved)}; records left as they are (set allowEmpty: true to allow removing them)`,
      });
    }
  }

  for (const [family, set] of desired) decided.set(family, decideFamily(record, family, set, current[family]));

  const decisions: FamilyDecision[] = record.families.map((family) => decided.get(family)!);
  if (record.https !== undefined && record.https !== 'off') {
    const published: Partial<Record<Family, readonly string[]>> = {};
    for (const family of FAMILIES) {
      const decision = decided.get(family);
      const values = decision?.kind === 'change' ? decision.change.after?.values : current[family]?.values;
      if (values !== undefined && values.length > 0) published[family] = values;
    }
    decisions.push(
      record.target === undefined
        ? { family: 'HTTPS', kind: 'failed', cause: 'config', reason: 'no target to publish HTTPS records for' }
        : planHttps({ name: record.name, target: record.target, mode: record.https, ttl: record.ttl, resolved: input.resolvedHttps, published, current: current.HTTPS }),
    );
  }
  const changes = decisions.flatMap((d) => (d.kind === 'change' ? [d.change] : []));
  return { name: record.name, decisions, changes, failed: decisions.some((d) => d.kind === 'failed') };
}

function decideFamily(record: PlanInput['record'], family: Family, resolved: RecordSet, before: RecordSet | undefined): FamilyDecision {
  const name = record.name;
  if (before === undefined) {
    return { family, kind: 'change', change: { action: 'create', name, family, before: null, after: { ttl: ttlForChange(record.ttl, resolved.ttl), values: resolved.values } } };
  }
  const sameValues = sameSet(before.values, resolved.values);
  if (sameValues && !ttlNeedsRewrite(record.ttl, before.ttl)) return { family, kind: 'unchanged' };
  const change: Change = { action: 'update', name, family, before, after: { ttl: ttlForChange(record.ttl, resolved.ttl), values: resolved.values } };
  return { family, kind: 'change', change };
}

/**
 * At most `max` addresses, chosen deterministically: those already published first (so a
 * target answering a larger pool does not rotate the record), then the rest in sorted order.
 */
export function chooseAddresses(resolved: readonly string[], published: readonly string[], max: number): string[] {
  if (resolved.length <= max) return sortAddresses(resolved);
  const publishedSet = new Set(published);
  const kept = sortAddresses(resolved.filter((a) => publishedSet.has(a)));
  const others = sortAddresses(resolved.filter((a) => !publishedSet.has(a)));
  return sortAddresses([...kept, ...others].slice(0, max));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((v) => set.has(v));
}

/** Why the other configured families do not allow deleting this empty one, in words. */
function emptyContext(families: readonly Family[], family: Family, resolved: PlanInput['resolved']): string {
  const others = families.filter((f) => f !== family);
  const parts = others.map((f) => {
    const kind = resolved[f]?.kind;
    if (kind === 'empty') return `no ${f} address either`;
    if (kind === 'addresses') return `${f} was refused`;
    return `${f} failed`;
  });
  return parts.length > 0 ? ` and ${parts.join(', ')}` : '';
}
