import { normalizeRecordValues } from '../../src/dns/record-values.js';
import { isInZone } from '../../src/lib/names.js';
import type { ApplyOutcome, Change, RecordSet, RecordType } from '../../src/model.js';
import type { RRsetEdit } from './edit.js';
import type { ParsedZone } from './parse.js';
import { recordSetsAt } from './zone-state.js';

/**
 * Decides, for one name, whether its changes may be written: the name must still be apexsync's
 * to edit (no CNAME, no records from $INCLUDE/$GENERATE, not delegated), each changed family must
 * hold exactly the `before` the planner saw (values and TTL), and each `after` must be valid.
 */

const MAX_TTL = 0x7fffffff;

export type NameVerdict = { readonly ok: true; readonly edits: RRsetEdit[] } | { readonly ok: false; readonly outcome: ApplyOutcome };

export function checkNameChanges(zone: ParsedZone, name: string, changes: readonly Change[]): NameVerdict {
  const refuse = (kind: 'conflict' | 'rejected' | 'error', message: string): NameVerdict => ({ ok: false, outcome: { status: 'not-applied', kind, message } });
  if (!isInZone(name, zone.origin)) return refuse('rejected', `${name} is not in the zone ${zone.origin} of ${zone.file}`);
  const families = changes.map((c) => c.family);
  if (new Set(families).size !== families.length) return refuse('error', `more than one change for the same family of ${name}`);

  const current = recordSetsAt(zone, name);
  if (current.conflict !== undefined) return refuse('rejected', `${current.conflict}; nothing written for ${name}`);

  const edits: RRsetEdit[] = [];
  for (const change of changes) {
    const found = current[change.family];
    if (!sameRecordSet(change.family, found, change.before)) {
      return refuse(
        'conflict',
        `${change.family} at ${name} changed since it was read (expected ${describe(change.before)}, found ${describe(found)}); nothing written for ${name}`,
      );
    }
    if (change.after === null) {
      edits.push({ name, family: change.family, after: null });
      continue;
    }
    const { ttl, values } = change.after;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) return refuse('rejected', `TTL ${ttl} for ${change.family} at ${name} is not a number of seconds from 0 to ${MAX_TTL}`);
    const normalized = normalizeRecordValues(change.family, values);
    if (normalized === undefined) {
      const invalid = values.find((value) => normalizeRecordValues(change.family, [value]) === undefined) ?? values.join(', ');
      const what = change.family === 'A' ? 'an IPv4 address' : change.family === 'AAAA' ? 'an IPv6 address' : 'an HTTPS record';
      return refuse('rejected', `'${invalid}' is not ${what} (${name})`);
    }
    if (values.length === 0) return refuse('rejected', `an empty ${change.family} set for ${name} (a deletion is a 'delete' change)`);
    edits.push({ name, family: change.family, after: { ttl, values: normalized } });
  }
  return { ok: true, edits };
}

function sameRecordSet(family: RecordType, found: RecordSet | undefined, expected: RecordSet | null): boolean {
  if (found === undefined || expected === null) return found === undefined && expected === null;
  const a = found.values.join(',');
  const b = (normalizeRecordValues(family, expected.values) ?? expected.values).join(',');
  return found.ttl === expected.ttl && a === b;
}

function describe(set: RecordSet | null | undefined): string {
  return set === undefined || set === null ? 'none' : `${set.ttl} ${set.values.join(', ')}`;
}
