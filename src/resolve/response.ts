import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { normalizeName } from '../names.js';

/** One record of the answer section that the resolver can use (class IN, A/AAAA/CNAME). */
export interface AnswerRecord {
  /** Owner name, normalised. */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME';
  readonly ttl: number;
  /** Address text as decoded, or the CNAME target normalised. */
  readonly data: string;
}

export interface DnsResponse {
  /** `NOERROR`, `NXDOMAIN`, `SERVFAIL`, …, extended by the OPT record's upper bits. */
  readonly rcode: string;
  readonly truncated: boolean;
  readonly answers: readonly AnswerRecord[];
}

/**
 * What a received message is to the query it might answer:
 * - `ignored`: not an answer to it (wrong ID, question, not a response) or unreadable;
 * - `invalid`: it answers the query but carries data that cannot be trusted (bad address rdata);
 * - `response`: a usable answer.
 */
export type ResponseVerdict =
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'response'; readonly response: DnsResponse };

const HEADER_BYTES = 12;
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
/** RFC 2181 §8: a TTL with the top bit set is treated as zero. */
const MAX_TTL = 0x7fffffff;

const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS',
};

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
}

/**
 * Checks `message` against the `query` it should answer, cheapest checks first (thousands of
 * responses go through here): ID, QR bit, the question compared byte-wise (ASCII
 * case-insensitive) with the one sent, then the record framing, then a full decode.
 */
export function inspectResponse(message: Buffer, query: Buffer): ResponseVerdict {
  if (message.length < HEADER_BYTES) return { kind: 'ignored', why: 'shorter than a DNS header' };
  if (message.readUInt16BE(0) !== query.readUInt16BE(0)) return { kind: 'ignored', why: 'wrong ID' };
  const flags = message.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return { kind: 'ignored', why: 'not a response' };
  const headerRcode = flags & 0x000f;
  const questionCount = message.readUInt16BE(4);
  // Some servers send FORMERR/NOTIMP without echoing the question; trusting such an error costs
  // at most a failed round, never a wrong address.
  const errorWithoutQuestion = questionCount === 0 && headerRcode !== 0 && headerRcode !== 3;
  if (!errorWithoutQuestion && (questionCount !== 1 || !sameQuestion(message, query))) {
    return { kind: 'ignored', why: 'wrong question' };
  }

  const framing = checkFraming(message);
  if (framing.kind === 'broken') return { kind: 'ignored', why: `malformed (${framing.detail})` };
  if (framing.kind === 'bad-rdata') return { kind: 'invalid', reason: framing.detail };

  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch (error) {
    return { kind: 'ignored', why: `malformed (${(error as Error).message})` };
  }
  const opt = (packet.additionals ?? []).find((record) => record.type === 'OPT');
  const extendedRcode = opt && 'extendedRcode' in opt ? opt.extendedRcode : 0;
  return {
    kind: 'response',
    response: {
      rcode: rcodeName((extendedRcode << 4) | headerRcode),
      truncated: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0,
      answers: usableAnswers(packet.answers ?? []),
    },
  };
}

function usableAnswers(records: readonly Answer[]): AnswerRecord[] {
  const usable: AnswerRecord[] = [];
  for (const record of records) {
    if (record.type !== 'A' && record.type !== 'AAAA' && record.type !== 'CNAME') continue;
    if (record.class !== undefined && record.class !== 'IN') continue;
    const ttl = record.ttl === undefined || record.ttl > MAX_TTL ? 0 : record.ttl;
    const data = record.type === 'CNAME' ? normalizeName(record.data) : record.data;
    usable.push({ name: normalizeName(record.name), type: record.type, ttl, data });
  }
  return usable;
}

/** The question of `message` equals the one of `query` (names compared ASCII case-insensitively). */
function sameQuestion(message: Buffer, query: Buffer): boolean {
  const end = skipName(query, HEADER_BYTES);
  if (end < 0 || message.length < end + 4) return false;
  // Label length bytes are < 64 and type/class bytes of A/AAAA/IN are < 64, so lower-casing
  // bytes 65–90 on both sides only ever equates letters.
  for (let i = HEADER_BYTES; i < end + 4; i++) {
    if (lowerAscii(message[i]!) !== lowerAscii(query[i]!)) return false;
  }
  return true;
}

function lowerAscii(byte: number): number {
  return byte >= 65 && byte <= 90 ? byte + 32 : byte;
}

/** Offset just past the (possibly compressed) name at `offset`, or -1 when it runs off the end. */
function skipName(message: Buffer, offset: number): number {
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

type Framing = { readonly kind: 'ok' } | { readonly kind: 'broken' | 'bad-rdata'; readonly detail: string };

/**
 * Walks every record by its RDLENGTH. dns-packet decodes A/AAAA/CNAME data without looking at
 * RDLENGTH, so a 5-byte A record would be read as a valid address and shift every record after
 * it; this walk catches that before the decode, and a wrong-length address is an untrusted
 * answer (a failure), never an address silently dropped or invented.
 */
function checkFraming(message: Buffer): Framing {
  const counts = [message.readUInt16BE(6), message.readUInt16BE(8), message.readUInt16BE(10)];
  let offset = HEADER_BYTES;
  for (let q = 0; q < message.readUInt16BE(4); q++) {
    offset = skipName(message, offset);
    if (offset < 0 || offset + 4 > message.length) return { kind: 'broken', detail: 'question runs past the end' };
    offset += 4;
  }
  const total = counts[0]! + counts[1]! + counts[2]!;
  for (let r = 0; r < total; r++) {
    offset = skipName(message, offset);
    if (offset < 0 || offset + 10 > message.length) return { kind: 'broken', detail: 'record runs past the end' };
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 8);
    offset += 10;
    if (offset + length > message.length) return { kind: 'broken', detail: 'record data runs past the end' };
    const expected = type === TYPE_A ? 4 : type === TYPE_AAAA ? 16 : undefined;
    if (expected !== undefined && length !== expected) {
      return {
        kind: 'bad-rdata',
        detail: `malformed answer: ${type === TYPE_A ? 'A' : 'AAAA'} record with ${length} bytes of data (expected ${expected})`,
      };
    }
    if (type === TYPE_CNAME && skipName(message, offset) !== offset + length) {
      return { kind: 'bad-rdata', detail: 'malformed answer: CNAME record data is not one name' };
    }
    offset += length;
  }
  return { kind: 'ok' };
}
