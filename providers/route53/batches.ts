import type { Change as Route53Change } from '@aws-sdk/client-route-53';
import type { Change, RecordSet, RecordType } from '../../src/model.js';
import { compareListingOrder } from './names.js';
import type { StoredRecordSet } from './record-sets.js';

/** Per-request limits of ChangeResourceRecordSets (Route 53 DNSLimitations); UPSERT counts twice. */
export interface BatchLimits {
  readonly records: number;
  readonly valueChars: number;
}
export const ROUTE53_LIMITS: BatchLimits = { records: 1000, valueChars: 32_000 };

/** The Route 53 changes of one name: they always travel in the same batch. */
export interface NameChanges {
  readonly name: string;
  readonly changes: readonly Route53Change[];
}

/** What was read at a name: as the core saw it, and as Route 53 spells it. */
export interface ReadRecordSet {
  readonly seen: RecordSet;
  readonly stored: StoredRecordSet;
}
export type StoredLookup = (name: string, family: RecordType) => ReadRecordSet | undefined;

/**
 * The core's changes as Route 53 changes, grouped per name in listing order. Compare-and-swap:
 * an update is DELETE(exact old) + CREATE(new) — if someone changed the set since it was read the
 * DELETE fails and nothing in the batch is applied; a create is a CREATE (fails if a set appeared
 * meanwhile); a delete is a DELETE of the exact old set. DELETEs come first so a set can be
 * replaced within one batch.
 */
export function toNameChanges(changes: readonly Change[], stored: StoredLookup): NameChanges[] {
  const byName = new Map<string, { deletes: Route53Change[]; creates: Route53Change[] }>();
  for (const change of changes) {
    let entry = byName.get(change.name);
    if (entry === undefined) {
      entry = { deletes: [], creates: [] };
      byName.set(change.name, entry);
    }
    if (change.before !== null) {
      entry.deletes.push(recordSetChange('DELETE', change.name, change.family, storedSpelling(change.before, stored(change.name, change.family))));
    }
    if (change.after !== null) entry.creates.push(recordSetChange('CREATE', change.name, change.family, change.after));
  }
  return [...byName.entries()].sort(([a], [b]) => compareListingOrder(a, b)).map(([name, { deletes, creates }]) => ({ name, changes: [...deletes, ...creates] }));
}

/**
 * The old set as Route 53 stores it when it is the set that was read (values may be spelled
 * differently there, e.g. an uncompressed IPv6 address); otherwise the set as the core gave it.
 */
function storedSpelling(before: RecordSet, read: ReadRecordSet | undefined): RecordSet {
  if (read === undefined || read.seen.ttl !== before.ttl) return before;
  const same = read.seen.values.length === before.values.length && read.seen.values.every((value, index) => value === before.values[index]);
  return same ? read.stored : before;
}

function recordSetChange(action: 'CREATE' | 'DELETE', name: string, type: RecordType, set: RecordSet): Route53Change {
  return {
    Action: action,
    ResourceRecordSet: { Name: `${name}.`, Type: type, TTL: set.ttl, ResourceRecords: set.values.map((value) => ({ Value: value })) },
  };
}

/** ResourceRecord elements and Value characters a list of changes counts against the limits. */
export function batchCost(changes: readonly Route53Change[]): BatchLimits {
  let records = 0;
  let valueChars = 0;
  for (const change of changes) {
    const weight = change.Action === 'UPSERT' ? 2 : 1;
    for (const record of change.ResourceRecordSet?.ResourceRecords ?? []) {
      records += weight;
      valueChars += weight * (record.Value ?? '').length;
    }
  }
  return { records, valueChars };
}

/**
 * Packs the names into as few batches as the limits allow, in order, never splitting a name's
 * changes. A name too large for one batch on its own still gets a batch (Route 53 then refuses
 * it, and says why).
 */
export function splitIntoBatches(names: readonly NameChanges[], limits: BatchLimits = ROUTE53_LIMITS): NameChanges[][] {
  const batches: NameChanges[][] = [];
  let current: NameChanges[] = [];
  let used: BatchLimits = { records: 0, valueChars: 0 };
  for (const name of names) {
    const cost = batchCost(name.changes);
    const fits = used.records + cost.records <= limits.records && used.valueChars + cost.valueChars <= limits.valueChars;
    if (!fits && current.length > 0) {
      batches.push(current);
      current = [];
      used = { records: 0, valueChars: 0 };
    }
    current.push(name);
    used = { records: used.records + cost.records, valueChars: used.valueChars + cost.valueChars };
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
