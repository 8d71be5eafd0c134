import { ZoneSyntaxError } from './errors.js';
import { expandGenerateOwners, GenerateSyntaxError } from './generate.js';
import { lexEntries, splitLines, type Entry, type PhysicalLine, type Token } from './lexer.js';
import { NameSyntaxError, resolveName } from './master-names.js';
import { parseAddressRdata, parseHttpsRdata, parseSoaRdata, typeMnemonic } from './rdata.js';
import { looksLikeTtl, parseTtl } from './ttl.js';

/**
 * Reads an RFC 1035 master file the way BIND 9 loads it, into the records it defines — each with
 * its effective owner and TTL — plus, for records written in the main file, where they sit, so the
 * editor can replace exactly those lines.
 *
 * TTL of a record without one (BIND 9 `lib/dns/master.c`, which is what the server will serve):
 * the `$TTL` default when one has been set; else, when no TTL is known at all and the record is
 * the SOA, the SOA MINIMUM (which then becomes the default, RFC 2308 §4); else the last TTL stated
 * explicitly (RFC 1035 §5.1). A record with no TTL to inherit is an error, as in BIND.
 */

export interface SourceRef {
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** How a record that is not written in the main file got there. */
  readonly via?: 'include' | 'generate';
}

/** Where a main-file record sits, for the editor. */
export interface Placement {
  readonly firstLine: number;
  readonly lastLine: number;
  /** The owner field as written; undefined when it was blank (inherited from the previous record). */
  readonly ownerText: string | undefined;
  /** The origin in effect at the entry (canonical), undefined when unknown. */
  readonly origin: string | undefined;
  /** The whitespace between the owner field and the next field, for writing lines in the same style. */
  readonly separator: string;
}

export interface ZoneRecord {
  /** Canonical owner (lower case, no trailing dot). */
  readonly owner: string;
  /** Upper-case type mnemonic. */
  readonly type: string;
  readonly ttl: number;
  readonly rdata: readonly Token[];
  readonly source: SourceRef;
  /** Normalised address, for A and AAAA; canonical presentation form for HTTPS. */
  readonly address?: string;
  /** Present only for records written in the main file (the only ones apexsync edits). */
  readonly placement?: Placement;
}

export interface SoaInfo {
  readonly record: ZoneRecord;
  readonly serial: number;
  /** The serial's token in the main file; undefined when the SOA comes from an included file. */
  readonly serialToken?: Token;
}

export interface ParsedZone {
  readonly file: string;
  readonly lines: readonly PhysicalLine[];
  /** The zone's apex: the SOA owner (canonical). */
  readonly origin: string;
  readonly records: readonly ZoneRecord[];
  /** Main-file records whose TTL is inherited from the record before them (a file without `$TTL`). */
  readonly inheritedTtls: readonly InheritedTtl[];
  readonly soa: SoaInfo;
}

/** Text of an included file; `pathText` is the $INCLUDE argument, unquoted. Throws when unreadable. */
export type IncludeReader = (pathText: string, fromFile: string) => { file: string; text: string };

export interface ParseOptions {
  readonly file: string;
  readonly text: string;
  /** The zone origin from the settings (canonical); else taken from the file. */
  readonly origin?: string;
  readonly readInclude: IncludeReader;
}

const CLASSES = new Set(['IN', 'CH', 'CHAOS', 'HS', 'HESIOD', 'NONE', 'ANY']);
const MAX_INCLUDE_DEPTH = 16;

/** TTL state shared across included files, as in BIND. */
interface TtlState {
  last: number | undefined;
  /** 0-based line of the main-file record that stated `last`; undefined when it came from an included file. */
  lastFrom: number | undefined;
  fallback: number | undefined;
}

/**
 * A main-file record that took its TTL from the last one stated before it (RFC 1035 §5.1: the
 * file has no `$TTL`). Rewriting a record between `from` and `line` would change its TTL.
 */
export interface InheritedTtl {
  /** 0-based first line of the inheriting record. */
  readonly line: number;
  /** 0-based line of the record whose TTL it took; undefined when that one is in an included file. */
  readonly from: number | undefined;
  readonly owner: string;
  readonly type: string;
}

interface Context {
  readonly file: string;
  readonly lines: readonly PhysicalLine[];
  readonly main: boolean;
  readonly depth: number;
  origin: string | undefined;
  owner: string | undefined;
}

interface Collected {
  readonly records: ZoneRecord[];
  readonly inheritedTtls: InheritedTtl[];
  soa: SoaInfo | undefined;
}

export function parseZone(options: ParseOptions): ParsedZone {
  const lines = splitLines(options.text);
  const entries = lexEntries(lines, options.file);
  const initialOrigin = options.origin ?? originFromFile(entries, options.file);
  const collected: Collected = { records: [], inheritedTtls: [], soa: undefined };
  const ttl: TtlState = { last: undefined, lastFrom: undefined, fallback: undefined };
  const context: Context = { file: options.file, lines, main: true, depth: 0, origin: initialOrigin, owner: undefined };
  interpret(entries, context, ttl, collected, options.readInclude);
  const soa = collected.soa;
  if (soa === undefined) throw new ZoneSyntaxError(options.file, 1, 'the file has no SOA record');
  if (options.origin !== undefined && soa.record.owner !== options.origin) {
    throw new ZoneSyntaxError(soa.record.source.file, soa.record.source.line, `the SOA is at '${soa.record.owner}', not at the configured origin '${options.origin}'`);
  }
  return { file: options.file, lines, origin: soa.record.owner, records: collected.records, inheritedTtls: collected.inheritedTtls, soa };
}

/** The first $ORIGIN before the SOA, else the SOA owner when it is written absolute. */
function originFromFile(entries: readonly Entry[], file: string): string | undefined {
  for (const entry of entries) {
    const first = entry.tokens[0] as Token;
    if (!entry.blankOwner && first.text.toUpperCase() === '$ORIGIN') {
      const argument = entry.tokens[1];
      return argument === undefined ? undefined : named(() => resolveName(argument.text, undefined), file, entry);
    }
    if (entry.blankOwner || first.text.startsWith('$')) continue;
    const soaAt = entry.tokens.findIndex((t, i) => i > 0 && typeMnemonic(t.text) === 'SOA');
    if (soaAt > 0 && entry.tokens.slice(1, soaAt).every((t) => looksLikeTtl(t.text) || CLASSES.has(t.text.toUpperCase()))) {
      return first.text.endsWith('.') && !first.text.endsWith('\\.') ? named(() => resolveName(first.text, undefined), file, entry) : undefined;
    }
  }
  return undefined;
}

function interpret(entries: readonly Entry[], context: Context, ttl: TtlState, out: Collected, readInclude: IncludeReader): void {
  for (const entry of entries) {
    const first = entry.tokens[0] as Token;
    if (!entry.blankOwner && first.text.startsWith('$')) {
      directive(entry, context, ttl, out, readInclude);
    } else {
      record(entry, context, ttl, out);
    }
  }
}

function directive(entry: Entry, context: Context, ttl: TtlState, out: Collected, readInclude: IncludeReader): void {
  const [keyword, ...args] = entry.tokens as [Token, ...Token[]];
  const fail = (reason: string): never => {
    throw new ZoneSyntaxError(context.file, entry.firstLine + 1, reason);
  };
  const name = keyword.text.toUpperCase();
  if (name === '$ORIGIN') {
    if (args[0] === undefined) fail('$ORIGIN needs a name');
    context.origin = named(() => resolveName((args[0] as Token).text, context.origin), context.file, entry);
  } else if (name === '$TTL') {
    const value = args[0] === undefined ? undefined : parseTtl(args[0].text);
    if (value === undefined) fail(`bad $TTL '${args[0]?.text ?? ''}'`);
    ttl.fallback = value;
  } else if (name === '$INCLUDE') {
    include(entry, args, context, ttl, out, readInclude, fail);
  } else if (name === '$GENERATE') {
    generate(entry, args, context, ttl, out, fail);
  } else {
    fail(`unknown directive '${keyword.text}'`);
  }
}

function include(entry: Entry, args: readonly Token[], context: Context, ttl: TtlState, out: Collected, readInclude: IncludeReader, fail: (reason: string) => never): void {
  const pathToken = args[0];
  if (pathToken === undefined) fail('$INCLUDE needs a file name');
  if (context.depth >= MAX_INCLUDE_DEPTH) fail(`$INCLUDE nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?)`);
  const originToken = args[1];
  const origin = originToken === undefined ? context.origin : named(() => resolveName(originToken.text, context.origin), context.file, entry);
  let included: { file: string; text: string };
  try {
    included = readInclude(unquote((pathToken as Token).text), context.file);
  } catch (error) {
    return fail(`cannot read $INCLUDE file '${unquote((pathToken as Token).text)}': ${error instanceof Error ? error.message : String(error)}`);
  }
  const lines = splitLines(included.text);
  const entries = lexEntries(lines, included.file);
  // The included file starts with its own origin and no owner; afterwards the parent's origin and
  // owner are back, as in BIND (the TTL state carries over).
  interpret(entries, { file: included.file, lines, main: false, depth: context.depth + 1, origin, owner: undefined }, ttl, out, readInclude);
}

function generate(entry: Entry, args: readonly Token[], context: Context, ttl: TtlState, out: Collected, fail: (reason: string) => never): void {
  const [range, lhs, ...rest] = args;
  if (range === undefined || lhs === undefined) fail('$GENERATE needs a range, an owner, a type and data');
  const fields = typeAndTtl(rest, 0, fail);
  let owners: string[];
  try {
    owners = expandGenerateOwners((range as Token).text, (lhs as Token).text);
  } catch (error) {
    if (error instanceof GenerateSyntaxError) return fail(error.message);
    throw error;
  }
  const recordTtl = fields.ttl ?? ttl.fallback ?? ttl.last;
  if (recordTtl === undefined) fail('no TTL specified; zone rejected');
  for (const text of owners) {
    const owner = named(() => resolveName(text, context.origin), context.file, entry);
    out.records.push({
      owner,
      type: fields.type,
      ttl: recordTtl as number,
      rdata: [],
      source: { file: context.file, line: entry.firstLine + 1, via: 'generate' },
    });
  }
}

function record(entry: Entry, context: Context, ttl: TtlState, out: Collected): void {
  const line = entry.firstLine + 1;
  const fail = (reason: string): never => {
    throw new ZoneSyntaxError(context.file, line, reason);
  };
  let ownerText: string | undefined;
  if (entry.blankOwner) {
    if (context.owner === undefined) fail('no current owner name (the first record must name its owner)');
  } else {
    const ownerToken = entry.tokens[0] as Token;
    if (ownerToken.quoted) fail(`an owner name cannot be quoted: ${ownerToken.text}`);
    ownerText = ownerToken.text;
    context.owner = named(() => resolveName(ownerToken.text, context.origin), context.file, entry);
  }
  const owner = context.owner as string;
  const fields = typeAndTtl(entry.tokens, entry.blankOwner ? 0 : 1, fail);
  const rdata = entry.tokens.slice(fields.next);

  let soaFields: ReturnType<typeof parseSoaRdata> | undefined;
  if (fields.type === 'SOA') {
    soaFields = parseSoaRdata(rdata);
    if ('error' in soaFields) return fail(soaFields.error);
    if (out.soa !== undefined) fail(`a second SOA record (the first is at ${out.soa.record.source.file}:${out.soa.record.source.line})`);
  }
  if (context.main && fields.ttl === undefined && ttl.fallback === undefined && ttl.last !== undefined) {
    out.inheritedTtls.push({ line: entry.firstLine, from: ttl.lastFrom, owner, type: fields.type });
  }
  const recordTtl = effectiveTtl(fields.ttl, fields.type, soaFields, ttl);
  if (recordTtl === undefined) fail('no TTL specified; zone rejected (add a $TTL line)');
  if (fields.ttl !== undefined) ttl.lastFrom = context.main ? entry.firstLine : undefined;

  let address: string | undefined;
  if (fields.type === 'A' || fields.type === 'AAAA') {
    const parsed = parseAddressRdata(fields.type, rdata);
    if (typeof parsed !== 'string') return fail(parsed.error);
    address = parsed;
  } else if (fields.type === 'HTTPS') {
    const parsed = parseHttpsRdata(rdata);
    if (typeof parsed !== 'string') return fail(parsed.error);
    address = parsed;
  }

  const separator = entry.blankOwner ? ' ' : separatorAfter(entry.tokens[0] as Token, entry.tokens[1], context.lines);
  const result: ZoneRecord = {
    owner,
    type: fields.type,
    ttl: recordTtl as number,
    rdata,
    source: context.main ? { file: context.file, line } : { file: context.file, line, via: 'include' },
    ...(address === undefined ? {} : { address }),
    ...(context.main ? { placement: { firstLine: entry.firstLine, lastLine: entry.lastLine, ownerText, origin: context.origin, separator } } : {}),
  };
  out.records.push(result);
  if (soaFields !== undefined && !('error' in soaFields)) {
    out.soa = { record: result, serial: soaFields.serial, ...(context.main ? { serialToken: soaFields.serialToken } : {}) };
  }
}

/** BIND's TTL rules (see the file comment); updates the shared state as BIND does. */
function effectiveTtl(explicit: number | undefined, type: string, soa: { minimum: number } | { error: string } | undefined, state: TtlState): number | undefined {
  if (explicit !== undefined) {
    state.last = explicit;
    return explicit;
  }
  if (state.fallback !== undefined) return state.fallback;
  if (state.last !== undefined) return state.last;
  if (type === 'SOA' && soa !== undefined && 'minimum' in soa) {
    state.fallback = soa.minimum;
    state.last = soa.minimum;
    return soa.minimum;
  }
  return undefined;
}

/** `[TTL] [class] type` or `[class] [TTL] type`, starting at token `from`. */
function typeAndTtl(tokens: readonly Token[], from: number, fail: (reason: string) => never): { ttl: number | undefined; type: string; next: number } {
  let i = from;
  let ttl: number | undefined;
  let sawClass = false;
  for (let n = 0; n < 2; n += 1) {
    const token = tokens[i];
    if (token === undefined || token.quoted) break;
    if (ttl === undefined && looksLikeTtl(token.text)) {
      ttl = parseTtl(token.text);
      if (ttl === undefined) fail(`bad TTL '${token.text}'`);
      i += 1;
    } else if (!sawClass && (CLASSES.has(token.text.toUpperCase()) || /^CLASS\d+$/i.test(token.text))) {
      if (!/^(IN|CLASS1)$/i.test(token.text)) fail(`class '${token.text}' is not IN (only IN zones are supported)`);
      sawClass = true;
      i += 1;
    } else {
      break;
    }
  }
  const typeToken = tokens[i];
  if (typeToken === undefined) return fail('missing record type');
  const type = typeToken.quoted ? undefined : typeMnemonic(typeToken.text);
  if (type === undefined) return fail(`unknown RR type '${typeToken.text}'`);
  return { ttl, type, next: i + 1 };
}

/** A tab when the owner field is followed by a tab, else a space: new lines follow the file's habit. */
function separatorAfter(owner: Token, next: Token | undefined, lines: readonly PhysicalLine[]): string {
  if (next === undefined || next.line !== owner.line) return ' ';
  return (lines[owner.line] as PhysicalLine).content.slice(owner.end, next.start).includes('\t') ? '\t' : ' ';
}

function unquote(text: string): string {
  const inner = text.startsWith('"') && text.endsWith('"') && text.length >= 2 ? text.slice(1, -1) : text;
  return inner.replace(/\\(.)/g, '$1');
}

/** Runs a name conversion, turning its error into a file:line syntax error. */
function named(convert: () => string, file: string, entry: Entry): string {
  try {
    return convert();
  } catch (error) {
    if (error instanceof NameSyntaxError) throw new ZoneSyntaxError(file, entry.firstLine + 1, error.message);
    throw error;
  }
}
