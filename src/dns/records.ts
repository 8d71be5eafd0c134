import ipaddr from 'ipaddr.js';
import type { RecordType } from '../model.js';
import { encodeSvcbRdata, parseSvcbPresentation } from './svcb.js';
import { encodeName, skipName } from './names.js';
import { HEADER_BYTES, readHeader, TYPE, uint16 } from './wire.js';

/** The wire type number of a record type apexsync writes. */
export function familyType(family: RecordType): number {
  return TYPE[family];
}

/**
 * One resource record, uncompressed: owner, type, class, TTL, RDLENGTH, RDATA. Any class and
 * empty RDATA are allowed, as RFC 2136 prerequisites and deletions need (class NONE and ANY).
 */
export function encodeRecord(owner: string, type: number, klass: number, ttl: number, rdata: Uint8Array = Buffer.alloc(0)): Buffer {
  const name = encodeName(owner);
  const record = Buffer.alloc(name.length + 10 + rdata.length);
  name.copy(record, 0);
  let at = name.length;
  at = record.writeUInt16BE(type, at);
  at = record.writeUInt16BE(klass, at);
  at = record.writeUInt32BE(ttl, at);
  at = record.writeUInt16BE(rdata.length, at);
  record.set(rdata, at);
  return record;
}

/** RDATA of an A (4 bytes) or AAAA (16 bytes) record from its normalised text, or of an HTTPS record from its presentation form. */
export function recordRdata(family: RecordType, value: string): Buffer {
  if (family === 'HTTPS') return encodeSvcbRdata(parseSvcbPresentation(value));
  const bytes = family === 'A' ? ipaddr.IPv4.parse(value).toByteArray() : ipaddr.IPv6.parse(value).toByteArray();
  return Buffer.from(bytes);
}

/** Start offset of the message's last resource record (where TSIG sits), or undefined when it has none. */
export function lastRecordOffset(message: Uint8Array): number | undefined {
  const [questions, ...recordCounts] = readHeader(message).counts;
  const records = recordCounts.reduce((a, b) => a + b, 0);
  if (records === 0) return undefined;
  let at = HEADER_BYTES;
  for (let i = 0; i < questions; i++) {
    const end = skipName(message, at);
    if (end < 0) throw new Error('DNS name runs past the end of the message');
    at = end + 4;
  }
  let last = at;
  for (let i = 0; i < records; i++) {
    last = at;
    const fixed = skipName(message, at);
    if (fixed < 0 || fixed + 10 > message.length) throw new Error('DNS record runs past the end of the message');
    at = fixed + 10 + uint16(message, fixed + 8);
  }
  if (at > message.length) throw new Error('DNS record runs past the end of the message');
  return last;
}
