import type { RecordSet, RecordType } from '../../src/model.js';
import type { PhysicalLine } from './lexer.js';
import { absoluteText } from './master-names.js';
import type { ParsedZone, Placement, ZoneRecord } from './parse.js';

/**
 * Rewrites the text of a zone file so that the given RRsets hold their new values, touching only:
 * the lines of those RRsets (replaced in place at the first record's line, or removed), new lines
 * for new RRsets (after the last line of the same owner, else at the end), the SOA serial's digits,
 * and — only when a removed line named the owner that a following blank-owner line inherited —
 * the owner field of that following line. Every other byte stays as it was.
 */

export interface RRsetEdit {
  readonly name: string;
  readonly family: RecordType;
  /** The new RRset; null deletes it. */
  readonly after: RecordSet | null;
}

export class EditError extends Error {}

interface LinePlan {
  readonly removed: Set<number>;
  /** New lines written just before line i (in place of a replaced RRset whose first line is i). */
  readonly before: Map<number, WrittenLine[]>;
  /** New lines written just after line i. */
  readonly after: Map<number, WrittenLine[]>;
  readonly atEnd: WrittenLine[];
}

/** A record written in the zone's own file (not from $INCLUDE or $GENERATE): one the editor can touch. */
type PlacedRecord = ZoneRecord & { placement: Placement };

interface WrittenLine {
  readonly owner: string;
  readonly text: string;
}

export function editZone(zone: ParsedZone, edits: readonly RRsetEdit[], newSerial: number): string {
  const serialToken = zone.soa.serialToken;
  if (serialToken === undefined) {
    throw new EditError(`the SOA record is in an $INCLUDEd file (${zone.soa.record.source.file}); apexsync cannot bump its serial`);
  }
  const main = zone.records.filter((r): r is PlacedRecord => r.placement !== undefined);
  const eol = zone.lines.find((l) => l.eol !== '')?.eol ?? '\n';
  const plan: LinePlan = { removed: new Set(), before: new Map(), after: new Map(), atEnd: [] };
  // By owner, and each record's position: one pass, so N edits cost O(records + N), not O(records × N).
  const mainByOwner = new Map<string, PlacedRecord[]>();
  const position = new Map<PlacedRecord, number>();
  main.forEach((record, index) => {
    position.set(record, index);
    const atOwner = mainByOwner.get(record.owner);
    if (atOwner) atOwner.push(record);
    else mainByOwner.set(record.owner, [record]);
  });

  for (const edit of edits) {
    const atOwner = mainByOwner.get(edit.name) ?? [];
    const existing = atOwner.filter((r) => r.type === edit.family);
    for (const r of existing) {
      for (let i = r.placement.firstLine; i <= r.placement.lastLine; i += 1) plan.removed.add(i);
    }
    if (edit.after === null) continue;
    const anchor = existing[0] ?? atOwner.at(-1);
    const owner = anchor === undefined ? absoluteText(edit.name) : ownerTextFor(anchor, main, position);
    const separator = anchor?.placement.separator ?? ' ';
    const written = recordLines(edit.name, owner, separator, edit.family, edit.after, eol);
    if (existing[0] !== undefined) push(plan.before, existing[0].placement.firstLine, written);
    else if (anchor !== undefined) push(plan.after, anchor.placement.lastLine, written);
    else plan.atEnd.push(...written);
  }

  const rewritten = new Map<number, string>();
  const serialLine = zone.lines[serialToken.line] as PhysicalLine;
  rewritten.set(serialToken.line, serialLine.content.slice(0, serialToken.start) + String(newSerial) + serialLine.content.slice(serialToken.end));
  for (const [line, prefix] of ownersToRestate(zone, main, position, plan)) {
    rewritten.set(line, prefix + (rewritten.get(line) ?? (zone.lines[line] as PhysicalLine).content));
  }
  return assemble(zone.lines, plan, rewritten, eol);
}

function push(map: Map<number, WrittenLine[]>, line: number, written: readonly WrittenLine[]): void {
  map.set(line, [...(map.get(line) ?? []), ...written]);
}

function recordLines(name: string, owner: string, sep: string, family: RecordType, set: RecordSet, eol: string): WrittenLine[] {
  return set.values.map((value) => ({ owner: name, text: `${owner}${sep}${set.ttl}${sep}IN${sep}${family}${sep}${value}${eol}` }));
}

/**
 * Owner text valid at `record`'s position: its own owner field, else the field of the record that
 * named the owner (when the origin is the same there), else the absolute name.
 */
function ownerTextFor(record: PlacedRecord, main: readonly PlacedRecord[], position: ReadonlyMap<PlacedRecord, number>): string {
  if (record.placement.ownerText !== undefined) return record.placement.ownerText;
  const index = position.get(record) ?? -1;
  for (let i = index - 1; i >= 0; i -= 1) {
    const previous = main[i] as ZoneRecord & { placement: Placement };
    if (previous.placement.ownerText === undefined) continue;
    if (previous.owner === record.owner && previous.placement.origin === record.placement.origin) return previous.placement.ownerText;
    break;
  }
  return absoluteText(record.owner);
}

/**
 * Kept records with a blank owner whose inherited owner would change (because the line that named
 * it was removed): line → owner text to put in front of the line (which starts with whitespace).
 */
function ownersToRestate(zone: ParsedZone, main: readonly PlacedRecord[], position: ReadonlyMap<PlacedRecord, number>, plan: LinePlan): Map<number, string> {
  const byFirstLine = new Map(main.map((r) => [r.placement.firstLine, r]));
  const restate = new Map<number, string>();
  let current: string | undefined;
  for (let line = 0; line < zone.lines.length; line += 1) {
    current = plan.before.get(line)?.at(-1)?.owner ?? current;
    const record = byFirstLine.get(line);
    if (record !== undefined && !plan.removed.has(line)) {
      if (record.placement.ownerText === undefined && current !== record.owner) {
        restate.set(line, ownerTextFor(record, main, position));
      }
      current = record.owner;
    }
    current = plan.after.get(line)?.at(-1)?.owner ?? current;
  }
  return restate;
}

function assemble(lines: readonly PhysicalLine[], plan: LinePlan, rewritten: ReadonlyMap<number, string>, eol: string): string {
  const out: string[] = [];
  const emit = (written: readonly WrittenLine[] | undefined): void => {
    if (written === undefined || written.length === 0) return;
    // A file whose last line has no terminator gets one before lines are added after it.
    const last = out.at(-1);
    if (last !== undefined && !last.endsWith('\n')) out[out.length - 1] = last + eol;
    out.push(...written.map((w) => w.text));
  };
  lines.forEach((line, i) => {
    emit(plan.before.get(i));
    if (!plan.removed.has(i)) out.push((rewritten.get(i) ?? line.content) + line.eol);
    emit(plan.after.get(i));
  });
  emit(plan.atEnd);
  return out.join('');
}
