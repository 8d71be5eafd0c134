import ipaddr from 'ipaddr.js';
import type { Family } from '../../src/model.js';

/**
 * The few DNS wire pieces dns-packet cannot write or does not expose: uncompressed names in
 * canonical form, resource records of any class with raw RDATA (RFC 2136 needs class NONE and ANY
 * with empty RDATA), and a walk over a message's sections to find where its last record starts
 * (TSIG must be cut off before its MAC can be checked).
 */

export const TYPE = { A: 1, SOA: 6, CNAME: 5, AAAA: 28, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE_UPDATE = 5;
export const HEADER_BYTES = 12;

export function familyType(family: Family): number {
  return family === 'A' ? TYPE.A : TYPE.AAAA;
}

/** Uncompressed wire form of a name (no trailing dot expected; '' is the root), lower-cased. */
export function encodeName(name: string): Buffer {
  const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').toLowerCase().split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`invalid DNS name "${name}"`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new Error(`DNS name too long: "${name}"`);
  return wire;
}

/** One resource record: owner, type, class, TTL, RDLENGTH, RDATA. */
export function encodeRecord(owner: string, type: number, klass: number, ttl: number, rdata: Buffer = Buffer.alloc(0)): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(klass, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(owner), fixed, rdata]);
}

/** RDATA of an A (4 bytes) or AAAA (16 bytes) record from its normalised text. */
export function addressRdata(family: Family, value: string): Buffer {
  const bytes = family === 'A' ? ipaddr.IPv4.parse(value).toByteArray() : ipaddr.IPv6.parse(value).toByteArray();
  return Buffer.from(bytes);
}

export interface Header {
  readonly id: number;
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly rcode: number;
  readonly counts: readonly [number, number, number, number];
}

export function readHeader(message: Buffer): Header {
  if (message.length < HEADER_BYTES) throw new Error('DNS message shorter than its header');
  const flags = message.readUInt16BE(2);
  return {
    id: message.readUInt16BE(0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    counts: [message.readUInt16BE(4), message.readUInt16BE(6), message.readUInt16BE(8), message.readUInt16BE(10)],
  };
}

/** Offset just past the (possibly compressed) name starting at `offset`. */
function skipName(message: Buffer, offset: number): number {
  let at = offset;
  for (;;) {
    if (at >= message.length) throw new Error('DNS name runs past the end of the message');
    const length = message[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2; // a compression pointer ends the name in place
    if ((length & 0xc0) !== 0) throw new Error('unsupported DNS label type');
    at += 1 + length;
  }
}

/** Start offset of the message's last resource record, or undefined when it has none. */
export function lastRecordOffset(message: Buffer): number | undefined {
  const [questions, ...recordCounts] = readHeader(message).counts;
  const records = recordCounts.reduce((a, b) => a + b, 0);
  if (records === 0) return undefined;
  let at = HEADER_BYTES;
  for (let i = 0; i < questions; i++) at = skipName(message, at) + 4;
  let last = at;
  for (let i = 0; i < records; i++) {
    last = at;
    const fixed = skipName(message, at);
    if (fixed + 10 > message.length) throw new Error('DNS record runs past the end of the message');
    at = fixed + 10 + message.readUInt16BE(fixed + 8);
  }
  if (at > message.length) throw new Error('DNS record runs past the end of the message');
  return last;
}

/** Decodes the name at `offset` (following compression pointers); returns it and the next offset. */
export function readName(message: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  let next: number | undefined;
  for (let hops = 0; ; ) {
    if (at >= message.length) throw new Error('DNS name runs past the end of the message');
    const length = message[at]!;
    if (length === 0) return { name: labels.join('.').toLowerCase(), next: next ?? at + 1 };
    if ((length & 0xc0) === 0xc0) {
      if (at + 1 >= message.length || ++hops > 64) throw new Error('bad DNS name compression');
      next ??= at + 2;
      at = ((length & 0x3f) << 8) | message[at + 1]!;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new Error('unsupported DNS label type');
    labels.push(message.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
}
