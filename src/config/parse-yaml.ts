import YAML from 'yaml';
import { ConfigError } from './errors.js';

/**
 * The config file's YAML, as plain data. The whole file is one document, but the `records:` list
 * is parsed in slices of RECORDS_PER_SLICE items whenever the file's layout makes that provably
 * the same as one parse (see splitRecords): the yaml package builds a syntax tree of about 5 KB
 * per record, all alive until the document is composed, so a 10 000-record file held ~50 MB at
 * once. In the daemon that tree was promoted to the old generation, and V8 kept the heap it had
 * grown to (~90 MB) for the first round to grow further from. Sliced, the trees are
 * small and die young. Whenever a slice or the rest of the file has any error, the file is
 * parsed whole instead, so every value and every error message is exactly that of one parse.
 */
export function parseConfigYaml(file: string, text: string, recordsPerSlice = RECORDS_PER_SLICE): unknown {
  const layout = splitRecords(text, recordsPerSlice);
  const value = (layout && parseSliced(layout)) ?? parseWhole(file, text);
  if (value === null || value === undefined) throw new ConfigError([`${file}: the config file is empty`]);
  return value;
}

/** Small enough that a slice's syntax tree (~250 KB) dies before the next young-generation GC: at 200, half of it was promoted. */
const RECORDS_PER_SLICE = 50;

const PARSE_OPTIONS = { prettyErrors: true, uniqueKeys: true } as const;
/** Aliases are resolved by toJS: a missing anchor or an alias bomb (maxAliasCount) throws. */
const TO_JS_OPTIONS = { maxAliasCount: 100 } as const;

/** One parse of the whole file: its value, or a ConfigError with the parser's messages. */
export function parseWhole(file: string, text: string): unknown {
  const doc = YAML.parseDocument(text, PARSE_OPTIONS);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        // Only the first line of the parser's message: the rest quotes the file, which may hold a secret.
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${file}${at ? `:${at.line}:${at.col}` : ''}: ${message}`;
      }),
    );
  }
  try {
    return doc.toJS(TO_JS_OPTIONS);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : 'unreadable document';
    throw new ConfigError([`${file}: ${message}`]);
  }
}

/** A file cut into the records' items and the rest. */
export interface RecordsLayout {
  /** The file without the items' lines: `records:` stays, with no value. */
  readonly head: string;
  /** Where the `records:` line starts in `head`. */
  readonly keyOffset: number;
  /** Consecutive items, each slice its lines exactly as in the file. */
  readonly slices: readonly string[];
}

const RECORDS_KEY = /^records:[ ]*(#.*)?$/;
/** Blank and comment lines: they neither start nor end an item. */
const NEUTRAL = /^[ ]*(#.*)?$/;
const LEADING_DOCUMENT_START = /^---[ ]*(#.*)?$/;

/**
 * Cuts the file into its head and slices of `perSlice` items of the top-level `records:` block
 * sequence, or undefined when the layout is not one where that is safe:
 * - `records:` is the only line that is exactly that key at column 0 (the head's parse then
 *   proves it is the top-level key: parseSliced checks the key's offset);
 * - no directive, document marker (but a leading `---`), tab, CR, anchor, alias or tag — an
 *   alias across slices or a multi-document file must see the whole file;
 * - the items start at one indentation with `- ` or a lone `-`, every other line of theirs is
 *   indented more, and the list ends at the first line at column 0 that is not an item.
 * A slice always starts at an item's first line. A YAML item never continues on a line at its
 * own indentation that starts with `- `, except inside a quoted scalar or a flow collection —
 * and a slice cut there is unterminated, a parse error, which sends the file to one parse.
 */
export function splitRecords(text: string, perSlice: number): RecordsLayout | undefined {
  if (text.includes('\t') || text.includes('\r')) return undefined;
  const lines = text.split('\n');
  let key = -1;
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (RECORDS_KEY.test(line)) {
      if (key >= 0) return undefined;
      key = i;
    }
    if (line.startsWith('%') || line.startsWith('...') || (line.startsWith('---') && (content || !LEADING_DOCUMENT_START.test(line)))) return undefined;
    if (!NEUTRAL.test(line)) content = true;
  }
  if (key < 0) return undefined;

  let indent = -1;
  const starts: number[] = [];
  let end = key + 1;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (NEUTRAL.test(line)) continue;
    let lead = 0;
    while (line[lead] === ' ') lead++;
    if (indent < 0) {
      if (!isItemStart(line, lead)) return undefined;
      indent = lead;
    }
    if (lead === indent && isItemStart(line, lead)) starts.push(end);
    else if (lead === 0) break;
    else if (lead <= indent) return undefined;
    if (/[&*!]/.test(line)) return undefined;
  }
  if (starts.length === 0) return undefined;

  const slices: string[] = [];
  for (let s = 0; s < starts.length; s += perSlice) {
    const from = s === 0 ? key + 1 : starts[s]!;
    const to = s + perSlice < starts.length ? starts[s + perSlice]! : end;
    slices.push(lines.slice(from, to).join('\n'));
  }
  const headLines = [...lines.slice(0, key + 1), ...lines.slice(end)];
  const keyOffset = lines.slice(0, key).reduce((offset, line) => offset + line.length + 1, 0);
  return { head: headLines.join('\n'), keyOffset, slices };
}

function isItemStart(line: string, lead: number): boolean {
  return line[lead] === '-' && (line.length === lead + 1 || line[lead + 1] === ' ');
}

/** The file's value from its head and slices; undefined when any part is not clean (then one parse decides). */
export function parseSliced(layout: RecordsLayout): unknown {
  try {
    const head = YAML.parseDocument(layout.head, PARSE_OPTIONS);
    if (head.errors.length > 0 || !YAML.isMap(head.contents)) return undefined;
    const pair = head.contents.items.find((p) => YAML.isScalar(p.key) && p.key.value === 'records');
    if (!pair || !YAML.isScalar(pair.key) || pair.key.range?.[0] !== layout.keyOffset) return undefined;
    const value: unknown = head.toJS(TO_JS_OPTIONS);
    if (!isPlainObject(value) || value.records !== null) return undefined;

    const records: unknown[] = [];
    for (const slice of layout.slices) {
      const doc = YAML.parseDocument(`records:\n${slice}`, PARSE_OPTIONS);
      if (doc.errors.length > 0) return undefined;
      const part: unknown = doc.toJS(TO_JS_OPTIONS);
      if (!isPlainObject(part) || !Array.isArray(part.records)) return undefined;
      for (const record of part.records) records.push(record);
    }
    value.records = records;
    return value;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
