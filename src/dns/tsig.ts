import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeName, readName } from './names.js';
import { encodeRecord, lastRecordOffset } from './records.js';
import { CLASS, readHeader, TYPE } from './wire.js';

/**
 * TSIG (RFC 8945): an HMAC over the DNS message and the TSIG variables, appended as the last
 * additional record. A response's MAC also covers the request's MAC, so a signed answer proves
 * it answers this very request. Only the HMAC-SHA2/SHA1 algorithms a current BIND, Knot or
 * PowerDNS offers are supported (HMAC-MD5 is deprecated).
 */

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';

const HASH: Record<TsigAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

/** RFC 8945 §5.2: the time window both sides accept. */
export const FUDGE_SECONDS = 300;

/** TSIG error codes (RFC 8945 §3, IANA "DNS RCODEs"). */
export const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;

export interface TsigKey {
  /** Key name, normalised (lower case, no trailing dot). */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  /** Decoded key material. Never logged. */
  readonly secret: Buffer;
}

/** The fields of a TSIG record (RFC 8945 §4.2). */
export interface TsigRecord {
  readonly keyName: string;
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly otherData: Buffer;
}

/**
 * Wire form of a key or algorithm name. A read signs and checks two messages per name, each
 * needing these names several times; there are only as many as configured keys, so they are
 * encoded once.
 */
const wireNames = new Map<string, Buffer>();
function keyWireName(name: string): Buffer {
  let wire = wireNames.get(name);
  if (wire === undefined) {
    wire = encodeName(name);
    wireNames.set(name, wire);
  }
  return wire;
}

/** The part of a TSIG record that its own MAC covers (RFC 8945 §4.3.3). */
function tsigVariables(record: Omit<TsigRecord, 'mac' | 'originalId'>): Buffer {
  const fixed = Buffer.alloc(12);
  writeTime(fixed, 0, record.timeSigned);
  fixed.writeUInt16BE(record.fudge, 6);
  fixed.writeUInt16BE(record.error, 8);
  fixed.writeUInt16BE(record.otherData.length, 10);
  const classAndTtl = Buffer.alloc(6);
  classAndTtl.writeUInt16BE(CLASS.ANY, 0);
  classAndTtl.writeUInt32BE(0, 2);
  return Buffer.concat([keyWireName(record.keyName), classAndTtl, keyWireName(record.algorithm), fixed, record.otherData]);
}

/**
 * The MAC over `message` (the DNS message without its TSIG record, ARCOUNT excluding it, ID set to
 * the original ID) and the TSIG variables; `requestMac` is prepended for a response.
 */
export function computeMac(key: TsigKey, message: Buffer, variables: Omit<TsigRecord, 'mac' | 'originalId' | 'keyName' | 'algorithm'>, requestMac?: Buffer): Buffer {
  const hmac = createHmac(HASH[key.algorithm], key.secret);
  if (requestMac !== undefined) {
    const size = Buffer.alloc(2);
    size.writeUInt16BE(requestMac.length);
    hmac.update(size).update(requestMac);
  }
  hmac.update(message);
  hmac.update(tsigVariables({ ...variables, keyName: key.name, algorithm: key.algorithm }));
  return hmac.digest();
}

/** Appends a TSIG record to `message`; returns the signed message and its MAC (to check the answer). */
export function signMessage(message: Buffer, key: TsigKey, nowSeconds: number): { signed: Buffer; mac: Buffer } {
  const variables = { timeSigned: nowSeconds, fudge: FUDGE_SECONDS, error: 0, otherData: Buffer.alloc(0) };
  const mac = computeMac(key, message, variables);
  const originalId = message.readUInt16BE(0);
  const rdata = Buffer.concat([keyWireName(key.algorithm), timeAndFudge(nowSeconds, FUDGE_SECONDS), u16(mac.length), mac, u16(originalId), u16(0), u16(0)]);
  const signed = Buffer.concat([message, encodeRecord(key.name, TYPE.TSIG, CLASS.ANY, 0, rdata)]);
  signed.writeUInt16BE(readHeader(message).counts[3] + 1, 10);
  return { signed, mac };
}

/** The TSIG record at the end of `message`, and the message as it was before it was appended. */
export function splitTsig(message: Buffer): { record: TsigRecord; unsigned: Buffer } | undefined {
  const offset = lastRecordOffset(message);
  const header = readHeader(message);
  if (offset === undefined || header.counts[3] === 0) return undefined;
  const owner = readName(message, offset);
  if (typeof owner === 'string') throw new Error(`TSIG owner: ${owner}`);
  if (message.readUInt16BE(owner.end) !== TYPE.TSIG) return undefined;
  let at = owner.end + 10;
  const algorithm = readName(message, at);
  if (typeof algorithm === 'string') throw new Error(`TSIG algorithm: ${algorithm}`);
  at = algorithm.end;
  const timeSigned = readTime(message, at);
  const fudge = message.readUInt16BE(at + 6);
  const macSize = message.readUInt16BE(at + 8);
  at += 10;
  const mac = Buffer.from(message.subarray(at, at + macSize));
  at += macSize;
  const originalId = message.readUInt16BE(at);
  const error = message.readUInt16BE(at + 2);
  const otherLength = message.readUInt16BE(at + 4);
  const otherData = Buffer.from(message.subarray(at + 6, at + 6 + otherLength));
  const unsigned = Buffer.from(message.subarray(0, offset));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(header.counts[3] - 1, 10);
  return { record: { keyName: owner.name, algorithm: algorithm.name, timeSigned, fudge, mac, originalId, error, otherData }, unsigned };
}

/**
 * What a response's TSIG says:
 * - `verified`: signed by our key over our request; `error` is the TSIG error (0, or BADTIME);
 * - `unsigned-error`: an unsigned TSIG record carrying an error (how servers answer BADKEY and
 *   BADSIG: they cannot or will not sign with a key they do not trust);
 * - `unsigned`: no TSIG record at all;
 * - `invalid`: a TSIG record that does not verify (wrong key, MAC or time), with the reason.
 */
export type ResponseTsig =
  | { readonly status: 'verified'; readonly error: number }
  | { readonly status: 'unsigned-error'; readonly error: number }
  | { readonly status: 'unsigned' }
  | { readonly status: 'invalid'; readonly reason: string };

export function verifyResponse(response: Buffer, key: TsigKey, requestMac: Buffer, nowSeconds: number): ResponseTsig {
  let split: ReturnType<typeof splitTsig>;
  try {
    split = splitTsig(response);
  } catch {
    return { status: 'invalid', reason: 'its TSIG record is malformed' };
  }
  if (split === undefined) return { status: 'unsigned' };
  const { record, unsigned } = split;
  if (record.keyName !== key.name || record.algorithm !== key.algorithm) {
    return { status: 'invalid', reason: `it is signed with key "${record.keyName}" (${record.algorithm}), not ours` };
  }
  if (record.mac.length === 0) {
    return record.error !== 0 ? { status: 'unsigned-error', error: record.error } : { status: 'invalid', reason: 'its TSIG record has no MAC' };
  }
  const expected = computeMac(key, unsigned, record, requestMac);
  if (record.mac.length !== expected.length || !timingSafeEqual(record.mac, expected)) {
    return { status: 'invalid', reason: 'its TSIG MAC does not verify' };
  }
  if (record.error === 0 && Math.abs(nowSeconds - record.timeSigned) > record.fudge) {
    return { status: 'invalid', reason: 'its TSIG time is outside the allowed window' };
  }
  return { status: 'verified', error: record.error };
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function timeAndFudge(seconds: number, fudge: number): Buffer {
  const b = Buffer.alloc(8);
  writeTime(b, 0, seconds);
  b.writeUInt16BE(fudge, 6);
  return b;
}

/** 48-bit seconds since the epoch. */
function writeTime(buffer: Buffer, offset: number, seconds: number): void {
  buffer.writeUInt16BE(Math.floor(seconds / 2 ** 32), offset);
  buffer.writeUInt32BE(seconds % 2 ** 32, offset + 2);
}

function readTime(buffer: Buffer, offset: number): number {
  return buffer.readUInt16BE(offset) * 2 ** 32 + buffer.readUInt32BE(offset + 2);
}
