import { normalizeRecordValues } from '../../src/dns/record-values.js';
import type { ParsedZone, ZoneRecord } from './parse.js';
import type { RRsetEdit } from './edit.js';
import { recordsAt } from './zone-index.js';
import { recordSetsAt } from './zone-state.js';

/**
 * The safety net under the editor: the rewritten text, read back the way BIND reads it, must hold
 * exactly the same records as before — same owners, TTLs, types and data, in the same order —
 * except the edited RRsets (which must now equal their targets) and the SOA serial. This is what
 * catches a file that relies on RFC 1035 TTL inheritance, where a new explicit TTL would silently
 * change the TTL of the records after it. Returns the first difference, or undefined.
 */
export function findUnintendedChange(before: ParsedZone, after: ParsedZone, edits: readonly RRsetEdit[], newSerial: number): string | undefined {
  const edited = new Set(edits.map((e) => `${e.name}/${e.family}`));
  const keep = (r: ZoneRecord): boolean => !edited.has(`${r.owner}/${r.type}`);
  const was = before.records.filter(keep);
  const now = after.records.filter(keep);
  for (let i = 0; i < Math.max(was.length, now.length); i += 1) {
    const a = was[i];
    const b = now[i];
    if (a === undefined || b === undefined) return `the number of other records would change (${was.length} → ${now.length})`;
    if (signature(a, before) !== signature(b, after)) {
      return `${a.owner} ${a.type} (${a.source.file}:${a.source.line}) would change from '${signature(a, before)}' to '${signature(b, after)}'`;
    }
  }
  if (after.soa.serial !== newSerial) return `the SOA serial would be ${after.soa.serial}, not ${newSerial}`;
  for (const edit of edits) {
    const set = recordSetsAt(after, edit.name)[edit.family];
    const ttls = new Set(
      recordsAt(after, edit.name)
        .filter((r) => r.type === edit.family)
        .map((r) => r.ttl),
    );
    const wanted = edit.after === null ? '' : `${edit.after.ttl} ${(normalizeRecordValues(edit.family, edit.after.values) ?? edit.after.values).join(',')}`;
    const got = set === undefined ? '' : `${set.ttl} ${set.values.join(',')}`;
    if (wanted !== got || ttls.size > 1) return `${edit.name} ${edit.family} would read back as '${got}', not '${wanted}'`;
  }
  return undefined;
}

/** Owner, TTL, type and data of a record; the SOA serial is left out (it is meant to change). */
function signature(record: ZoneRecord, zone: ParsedZone): string {
  const data = record.rdata.map((t) => (record === zone.soa.record && t === zone.soa.serialToken ? '<serial>' : t.text));
  return `${record.owner} ${record.ttl} ${record.type} ${data.join(' ')}`;
}
