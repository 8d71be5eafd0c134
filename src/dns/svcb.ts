import ipaddr from 'ipaddr.js';

/**
 * SVCB/HTTPS resource data (RFC 9460): one codec for the wire form (what the resolver reads and
 * RFC 2136 writes) and the presentation form (what zone files, Route 53 and Cloudflare hold), so
 * every provider compares and prints the same thing. See docs/design/https-records.md.
 */

/** One HTTPS (or SVCB) record: priority 0 is AliasMode, ≥ 1 ServiceMode. */
export interface SvcbRecord {
  readonly priority: number;
  /** Normalised (lower case, no trailing dot); '' is the root, written `.` ("the owner name itself"). */
  readonly target: string;
  /** SvcParams by key number, values in wire form; kept in ascending key order. */
  readonly params: ReadonlyMap<number, Uint8Array>;
}

export const SVC_KEY = { mandatory: 0, alpn: 1, noDefaultAlpn: 2, port: 3, ipv4hint: 4, ech: 5, ipv6hint: 6, dohpath: 7, ohttp: 8 } as const;

const KEY_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'mandatory'],
  [1, 'alpn'],
  [2, 'no-default-alpn'],
  [3, 'port'],
  [4, 'ipv4hint'],
  [5, 'ech'],
  [6, 'ipv6hint'],
  [7, 'dohpath'],
  [8, 'ohttp'],
]);
const KEY_NUMBERS: ReadonlyMap<string, number> = new Map([...KEY_NAMES].map(([n, name]) => [name, n]));

/** Keys whose value must be empty. */
const EMPTY_VALUED = new Set<number>([SVC_KEY.noDefaultAlpn, SVC_KEY.ohttp]);

export class SvcbError extends Error {
  override readonly name = 'SvcbError';
}

/** `key65000` or the registered name. */
export function svcKeyName(key: number): string {
  return KEY_NAMES.get(key) ?? `key${key}`;
}

function svcKeyNumber(name: string): number {
  const known = KEY_NUMBERS.get(name);
  if (known !== undefined) return known;
  const m = /^key(\d{1,5})$/.exec(name);
  if (m === null) throw new SvcbError(`unknown SvcParamKey "${name}"`);
  const n = Number(m[1]);
  if (n > 65534) throw new SvcbError(`SvcParamKey ${name} is out of range`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Wire form
// ---------------------------------------------------------------------------------------------

/** Reads the RDATA of an SVCB/HTTPS record (`rdata` is exactly the RDATA). Throws SvcbError. */
export function decodeSvcbRdata(rdata: Uint8Array): SvcbRecord {
  if (rdata.length < 3) throw new SvcbError('RDATA too short');
  const priority = (rdata[0]! << 8) | rdata[1]!;
  let offset = 2;
  const labels: string[] = [];
  for (;;) {
    const length = rdata[offset];
    if (length === undefined) throw new SvcbError('TargetName runs past the RDATA');
    offset++;
    if (length === 0) break;
    if (length > 63) throw new SvcbError('TargetName is compressed or has a label longer than 63 bytes');
    if (offset + length > rdata.length) throw new SvcbError('TargetName runs past the RDATA');
    labels.push(labelText(rdata.subarray(offset, offset + length)));
    offset += length;
  }
  const params = new Map<number, Uint8Array>();
  let previous = -1;
  while (offset < rdata.length) {
    if (offset + 4 > rdata.length) throw new SvcbError('SvcParam header runs past the RDATA');
    const key = (rdata[offset]! << 8) | rdata[offset + 1]!;
    const length = (rdata[offset + 2]! << 8) | rdata[offset + 3]!;
    offset += 4;
    if (key <= previous) throw new SvcbError('SvcParamKeys are not in strictly increasing order');
    if (key === 65535) throw new SvcbError('SvcParamKey 65535 is reserved');
    if (offset + length > rdata.length) throw new SvcbError(`the value of ${svcKeyName(key)} runs past the RDATA`);
    params.set(key, rdata.slice(offset, offset + length));
    offset += length;
    previous = key;
  }
  const record = { priority, target: labels.join('.').toLowerCase(), params };
  validate(record);
  return record;
}

export function encodeSvcbRdata(record: SvcbRecord): Buffer {
  const parts: Buffer[] = [Buffer.from([record.priority >> 8, record.priority & 0xff])];
  for (const label of record.target === '' ? [] : splitPresentationName(record.target)) parts.push(Buffer.from([label.length]), label);
  parts.push(Buffer.from([0]));
  for (const key of [...record.params.keys()].sort((a, b) => a - b)) {
    const value = record.params.get(key)!;
    parts.push(Buffer.from([key >> 8, key & 0xff, value.length >> 8, value.length & 0xff]), Buffer.from(value));
  }
  return Buffer.concat(parts);
}

/** A label as presentation text: `\.` and `\\` escaped, bytes outside printable ASCII as `\DDD`. */
function labelText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x2e || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte > 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\${String(byte).padStart(3, '0')}`;
  }
  return text;
}

/** A presentation-format name as wire labels (handles `\.` and `\DDD`). */
function splitPresentationName(name: string): Buffer[] {
  const labels: Buffer[] = [];
  let current: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '.') {
      labels.push(Buffer.from(current));
      current = [];
    } else if (c === '\\') {
      const digits = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        current.push(Number(digits));
        i += 3;
      } else {
        current.push(name.charCodeAt(i + 1));
        i += 1;
      }
    } else current.push(name.charCodeAt(i));
  }
  labels.push(Buffer.from(current));
  for (const label of labels) if (label.length === 0 || label.length > 63) throw new SvcbError(`TargetName ${name} has an empty or over-long label`);
  return labels;
}

// ---------------------------------------------------------------------------------------------
// Validation (RFC 9460 §2.4, §7, §8)
// ---------------------------------------------------------------------------------------------

function validate(record: SvcbRecord): void {
  const { params } = record;
  for (const [key, value] of params) {
    switch (key) {
      case SVC_KEY.mandatory: {
        if (value.length === 0 || value.length % 2 !== 0) throw new SvcbError('mandatory must list at least one key');
        let previous = -1;
        for (let i = 0; i < value.length; i += 2) {
          const listed = (value[i]! << 8) | value[i + 1]!;
          if (listed === SVC_KEY.mandatory) throw new SvcbError('mandatory must not list itself');
          if (listed <= previous) throw new SvcbError('mandatory keys are not in strictly increasing order');
          if (!params.has(listed)) throw new SvcbError(`mandatory lists ${svcKeyName(listed)}, which the record does not have`);
          previous = listed;
        }
        break;
      }
      case SVC_KEY.alpn: {
        if (value.length === 0) throw new SvcbError('alpn is empty');
        for (let i = 0; i < value.length; ) {
          const length = value[i]!;
          if (length === 0 || i + 1 + length > value.length) throw new SvcbError('alpn holds an empty or truncated protocol id');
          i += 1 + length;
        }
        break;
      }
      case SVC_KEY.port:
        if (value.length !== 2) throw new SvcbError('port is not 2 bytes');
        break;
      case SVC_KEY.ipv4hint:
        if (value.length === 0 || value.length % 4 !== 0) throw new SvcbError('ipv4hint is not a list of IPv4 addresses');
        break;
      case SVC_KEY.ipv6hint:
        if (value.length === 0 || value.length % 16 !== 0) throw new SvcbError('ipv6hint is not a list of IPv6 addresses');
        break;
      case SVC_KEY.ech:
        if (value.length === 0) throw new SvcbError('ech is empty');
        break;
      default:
        if (EMPTY_VALUED.has(key) && value.length !== 0) throw new SvcbError(`${svcKeyName(key)} must have no value`);
    }
  }
  if (params.has(SVC_KEY.noDefaultAlpn) && !params.has(SVC_KEY.alpn)) throw new SvcbError('no-default-alpn without alpn');
}

// ---------------------------------------------------------------------------------------------
// Presentation form (RFC 9460 §2.1, Appendix A)
// ---------------------------------------------------------------------------------------------

/** `1 . alpn="h3,h2" ipv4hint=192.0.2.1` → record. Throws SvcbError with the reason. */
export function parseSvcbPresentation(text: string): SvcbRecord {
  const tokens = tokenize(text.trim());
  if (tokens.length < 2) throw new SvcbError(`"${text}" has no SvcPriority and TargetName`);
  const priorityText = tokens[0]!.text;
  if (!/^\d{1,5}$/.test(priorityText) || Number(priorityText) > 65535) throw new SvcbError(`SvcPriority "${priorityText}" is not a number 0-65535`);
  const priority = Number(priorityText);
  const targetText = tokens[1]!.text;
  const target = targetText === '.' ? '' : targetText.replace(/\.$/, '').toLowerCase();
  if (targetText !== '.' && !targetText.endsWith('.')) throw new SvcbError(`TargetName "${targetText}" is not fully qualified (end it with a dot)`);
  const params = new Map<number, Uint8Array>();
  for (const token of tokens.slice(2)) {
    const eq = token.text.indexOf('=');
    const keyName = eq < 0 ? token.text : token.text.slice(0, eq);
    const key = svcKeyNumber(keyName);
    if (params.has(key)) throw new SvcbError(`SvcParamKey ${keyName} appears twice`);
    const raw = eq < 0 ? undefined : charString(token.text.slice(eq + 1));
    params.set(key, valueFromPresentation(key, raw));
  }
  const sorted = new Map([...params].sort(([a], [b]) => a - b));
  if (priority === 0 && sorted.size > 0) throw new SvcbError('an AliasMode record (priority 0) has SvcParams');
  const record = { priority, target, params: sorted };
  validate(record);
  return record;
}

/** Canonical presentation: keys in ascending order, hints as written, `alpn` quoted. */
export function formatSvcbPresentation(record: SvcbRecord): string {
  const parts = [String(record.priority), record.target === '' ? '.' : `${record.target}.`];
  for (const key of [...record.params.keys()].sort((a, b) => a - b)) {
    const value = record.params.get(key)!;
    const shown = valueToPresentation(key, value);
    parts.push(shown === undefined ? svcKeyName(key) : `${svcKeyName(key)}=${shown}`);
  }
  return parts.join(' ');
}

/** True when two RRsets hold the same records: params compared by key, hints as address sets. */
export function sameSvcbRecords(a: readonly SvcbRecord[], b: readonly SvcbRecord[]): boolean {
  if (a.length !== b.length) return false;
  const key = (r: SvcbRecord): string => canonicalText(r);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((text, i) => text === right[i]);
}

/**
 * An RRset as the planner and the reports hold it: each record's canonical presentation (hints
 * sorted), the list sorted, duplicates dropped. Equal texts mean equal records.
 */
export function canonicalSvcbValues(records: readonly SvcbRecord[]): string[] {
  return [...new Set(records.map(canonicalText))].sort();
}

/** Hints sorted (order carries no meaning), everything else as is. */
function canonicalText(record: SvcbRecord): string {
  const params = new Map(record.params);
  for (const [key, width] of [
    [SVC_KEY.ipv4hint, 4],
    [SVC_KEY.ipv6hint, 16],
  ] as const) {
    const value = params.get(key);
    if (value === undefined) continue;
    const chunks: string[] = [];
    for (let i = 0; i < value.length; i += width) chunks.push(Buffer.from(value.subarray(i, i + width)).toString('hex'));
    params.set(key, Buffer.from([...new Set(chunks)].sort().join(''), 'hex'));
  }
  return formatSvcbPresentation({ ...record, params });
}

function valueFromPresentation(key: number, raw: Buffer | undefined): Uint8Array {
  const name = svcKeyName(key);
  if (EMPTY_VALUED.has(key)) {
    if (raw !== undefined && raw.length > 0) throw new SvcbError(`${name} takes no value`);
    return new Uint8Array(0);
  }
  if (raw === undefined) throw new SvcbError(`${name} needs a value`);
  const text = raw.toString('latin1');
  switch (key) {
    case SVC_KEY.mandatory: {
      const keys = text.split(',').map((k) => svcKeyNumber(k));
      const sorted = [...new Set(keys)].sort((x, y) => x - y);
      if (sorted.length !== keys.length) throw new SvcbError('mandatory lists a key twice');
      return Buffer.from(sorted.flatMap((k) => [k >> 8, k & 0xff]));
    }
    case SVC_KEY.alpn: {
      const ids = valueList(raw);
      if (ids.some((id) => id.length === 0 || id.length > 255)) throw new SvcbError('alpn holds an empty or over-long protocol id');
      return Buffer.concat(ids.flatMap((id) => [Buffer.from([id.length]), id]));
    }
    case SVC_KEY.port: {
      if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new SvcbError(`port "${text}" is not a number 0-65535`);
      const port = Number(text);
      return Buffer.from([port >> 8, port & 0xff]);
    }
    case SVC_KEY.ipv4hint:
    case SVC_KEY.ipv6hint: {
      const kind = key === SVC_KEY.ipv4hint ? 'ipv4' : 'ipv6';
      return Buffer.concat(
        text.split(',').map((address) => {
          if (!ipaddr.isValid(address) || ipaddr.parse(address).kind() !== kind)
            throw new SvcbError(`${name} holds "${address}", not an ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
          return Buffer.from(ipaddr.parse(address).toByteArray());
        }),
      );
    }
    case SVC_KEY.ech: {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) throw new SvcbError('ech is not base64');
      return Buffer.from(text, 'base64');
    }
    default:
      // dohpath and unknown keys: the char-string's bytes as they are.
      return raw;
  }
}

function valueToPresentation(key: number, value: Uint8Array): string | undefined {
  if (EMPTY_VALUED.has(key)) return undefined;
  const bytes = Buffer.from(value);
  switch (key) {
    case SVC_KEY.mandatory: {
      const names: string[] = [];
      for (let i = 0; i < bytes.length; i += 2) names.push(svcKeyName(bytes.readUInt16BE(i)));
      return names.join(',');
    }
    case SVC_KEY.alpn: {
      const ids: string[] = [];
      for (let i = 0; i < bytes.length; ) {
        const length = bytes[i]!;
        ids.push(escapeValueListItem(bytes.subarray(i + 1, i + 1 + length)));
        i += 1 + length;
      }
      return `"${ids.join(',')}"`;
    }
    case SVC_KEY.port:
      return String(bytes.readUInt16BE(0));
    case SVC_KEY.ipv4hint:
    case SVC_KEY.ipv6hint: {
      const width = key === SVC_KEY.ipv4hint ? 4 : 16;
      const addresses: string[] = [];
      for (let i = 0; i < bytes.length; i += width) addresses.push(ipaddr.fromByteArray([...bytes.subarray(i, i + width)]).toString());
      return addresses.join(',');
    }
    case SVC_KEY.ech:
      return bytes.toString('base64');
    default:
      return `"${escapeCharString(bytes)}"`;
  }
}

/** Bytes as the inside of a quoted char-string: `"` and `\` escaped, non-printable as `\DDD`. */
function escapeCharString(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\${String(byte).padStart(3, '0')}`;
  }
  return text;
}

/** One alpn id inside a quoted value list: a comma or backslash in the id is doubly escaped. */
function escapeValueListItem(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x2c) text += '\\\\,';
    else if (byte === 0x5c) text += '\\\\\\\\';
    else text += escapeCharString(Uint8Array.of(byte));
  }
  return text;
}

interface Token {
  readonly text: string;
}

/** Splits on unquoted whitespace; quotes stay in the token (char-string decoding needs them). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (!quoted && /\s/.test(c)) {
      if (current !== '') tokens.push({ text: current });
      current = '';
    } else current += c;
  }
  if (quoted) throw new SvcbError('unterminated quoted string');
  if (current !== '') tokens.push({ text: current });
  return tokens;
}

/** RFC 1035 §5.1 character-string (quoted or not, `\X` and `\DDD` escapes) as bytes. */
function charString(text: string): Buffer {
  const inner = text.startsWith('"') ? (text.endsWith('"') && text.length >= 2 ? text.slice(1, -1) : fail('unterminated quoted string')) : text;
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '"') fail('a quote inside a value');
    if (c !== '\\') {
      const code = inner.charCodeAt(i);
      if (code > 0x7e) bytes.push(...Buffer.from(c, 'utf8'));
      else bytes.push(code);
      continue;
    }
    const digits = inner.slice(i + 1, i + 4);
    if (/^\d{3}$/.test(digits)) {
      const value = Number(digits);
      if (value > 255) fail(`\\${digits} is not a byte`);
      bytes.push(value);
      i += 3;
    } else if (i + 1 < inner.length) {
      bytes.push(inner.charCodeAt(i + 1));
      i += 1;
    } else fail('a value ends in a backslash');
  }
  return Buffer.from(bytes);
}

/** RFC 9460 Appendix A.1: a comma-separated list where `\,` and `\\` escape inside items. */
function valueList(bytes: Buffer): Buffer[] {
  const items: Buffer[] = [];
  let current: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x5c && i + 1 < bytes.length) {
      current.push(bytes[i + 1]!);
      i++;
    } else if (byte === 0x2c) {
      items.push(Buffer.from(current));
      current = [];
    } else current.push(byte);
  }
  items.push(Buffer.from(current));
  return items;
}

function fail(message: string): never {
  throw new SvcbError(message);
}
