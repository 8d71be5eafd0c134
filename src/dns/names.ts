import { uint16 } from './wire.js';

/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4) and in presentation format (RFC 1035 §5.1),
 * which is how every name read from a message is handed on: a byte outside printable ASCII is
 * written `\DDD` (its decimal value), and a dot, backslash or other character special to zone
 * files inside a label is written with a backslash before it. A name from the wire can then never
 * carry a control byte (a forged line, a terminal escape) or pass for other labels than it has.
 */

/** RFC 1035 §3.1: a name is at most 255 bytes on the wire, length bytes and root included. */
export const MAX_NAME_BYTES = 255;
export const MAX_LABEL_BYTES = 63;

/** Escaped with a backslash before them, as BIND and Knot print them. */
const SPECIAL = new Set([0x2e, 0x5c, 0x22, 0x28, 0x29, 0x3b, 0x40, 0x24]); // . \ " ( ) ; @ $

/** Offset just past the (possibly compressed) name at `offset`, or -1 when it runs off the end. */
export function skipName(message: Uint8Array, offset: number): number {
  let position = offset;
  for (let labels = 0; labels < 128; labels++) {
    if (position >= message.length) return -1;
    const length = message[position]!;
    if (length === 0) return position + 1;
    if ((length & 0xc0) === 0xc0) return position + 2 <= message.length ? position + 2 : -1;
    if ((length & 0xc0) !== 0) return -1;
    position += 1 + length;
  }
  return -1;
}

/**
 * The name at `offset` in presentation format, lower-cased, no trailing dot (the root is `.`),
 * and the offset just past it where it is written; or why it cannot be read. Pointers must point
 * strictly backwards (RFC 1035 §4.1.4), which also makes loops impossible.
 */
export function readName(message: Buffer, offset: number): { readonly name: string; readonly end: number } | string {
  let name = '';
  let position = offset;
  let floor = offset;
  let end = -1;
  let wireBytes = 1;
  for (;;) {
    if (position >= message.length) return 'name runs past the end';
    const length = message[position]!;
    if (length === 0) {
      if (end < 0) end = position + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      if (position + 1 >= message.length) return 'name runs past the end';
      const target = uint16(message, position) & 0x3fff;
      if (target >= floor) return 'name with a bad compression pointer';
      if (end < 0) end = position + 2;
      position = target;
      floor = target;
      continue;
    }
    if ((length & 0xc0) !== 0) return 'name with a bad label type';
    const start = position + 1;
    if (start + length > message.length) return 'name runs past the end';
    wireBytes += 1 + length;
    if (wireBytes > MAX_NAME_BYTES) return 'name too long';
    const label = labelText(message, start, start + length);
    name = name === '' ? label : `${name}.${label}`;
    position = start + length;
  }
  return { name: name === '' ? '.' : name.toLowerCase(), end };
}

/** One label's bytes in presentation format. */
export function labelText(bytes: Buffer, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte <= 0x20 || byte >= 0x7f || SPECIAL.has(byte)) {
      plain = false;
      break;
    }
  }
  // Almost every label is letters, digits and hyphens: one native conversion.
  if (plain) return bytes.toString('latin1', start, end);
  let text = '';
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte <= 0x20 || byte >= 0x7f) text += `\\${byte.toString().padStart(3, '0')}`;
    else if (SPECIAL.has(byte)) text += `\\${String.fromCharCode(byte)}`;
    else text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * The bytes of each label of `name` in presentation format (`\DDD` and `\X` escapes undone, no
 * trailing dot needed; '' or '.' is the root), or undefined when it is not a valid name: an
 * empty or over-long label, more than 255 bytes on the wire, a dangling escape. Characters
 * outside ASCII are taken as their UTF-8 bytes.
 */
export function nameLabels(name: string): Uint8Array[] | undefined {
  if (name === '' || name === '.') return [];
  const bytes = Buffer.from(name, 'utf8');
  const labels: Uint8Array[] = [];
  let label: number[] = [];
  let wireBytes = 1;
  for (let i = 0; i <= bytes.length; i++) {
    const byte = bytes[i];
    // An unescaped dot at the very end is the root, written out: no empty label follows it.
    if (byte === undefined && label.length === 0 && labels.length > 0 && bytes[i - 1] === 0x2e) break;
    if (byte === undefined || byte === 0x2e) {
      if (label.length === 0 || label.length > MAX_LABEL_BYTES) return undefined;
      wireBytes += 1 + label.length;
      labels.push(Uint8Array.from(label));
      label = [];
      continue;
    }
    if (byte !== 0x5c) {
      label.push(byte);
      continue;
    }
    const next = bytes[i + 1];
    if (next === undefined) return undefined;
    if (isDigit(next)) {
      const [d1, d2] = [bytes[i + 2], bytes[i + 3]];
      if (!isDigit(d1) || !isDigit(d2)) return undefined;
      const value = (next - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
      if (value > 255) return undefined;
      label.push(value);
      i += 3;
    } else {
      label.push(next);
      i += 1;
    }
  }
  return wireBytes > MAX_NAME_BYTES ? undefined : labels;
}

function isDigit(byte: number | undefined): byte is number {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/**
 * Uncompressed wire form of `name` (presentation format; '' or '.' is the root), lower-cased as
 * the canonical form (RFC 4034 §6.2) that TSIG signs. Throws on a name that cannot be written.
 */
export function encodeName(name: string): Buffer {
  const labels = nameLabels(name);
  if (labels === undefined) throw new Error(`not a valid DNS name: "${name}"`);
  const wire = Buffer.alloc(labels.reduce((sum, label) => sum + 1 + label.length, 1));
  let at = 0;
  for (const label of labels) {
    wire[at++] = label.length;
    for (const byte of label) wire[at++] = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
  }
  return wire;
}
