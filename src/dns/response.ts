import ipaddr from 'ipaddr.js';
import { readName, skipName } from './names.js';
import { rcodeName } from './rcode.js';
import { canonicalSvcbValues, decodeSvcbRdata, SvcbError } from './svcb.js';
import { CLASS, FLAG_AUTHORITATIVE, FLAG_RESPONSE, FLAG_TRUNCATED, HEADER_BYTES, TYPE, uint16 } from './wire.js';

/** One record of the answer section that a reader can use (class IN, A/AAAA/CNAME/NS/HTTPS). */
export interface AnswerRecord {
  /** Owner name, normalised (presentation format, lower case, no trailing dot). */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME' | 'NS' | 'HTTPS';
  readonly ttl: number;
  /**
   * A/AAAA: the address, already in normalised text (dotted quad; RFC 5952 with IPv4-mapped
   * addresses unmapped, as src/addresses.ts writes them): it is decoded from exactly 4 or 16
   * bytes, so it is always a valid address. CNAME, NS: the target name, normalised. HTTPS: the
   * record in canonical presentation form (src/dns/svcb.ts), checked when the answer was walked.
   */
  readonly data: string;
}

export interface DnsResponse {
  /** `NOERROR`, `NXDOMAIN`, `SERVFAIL`, …, extended by the OPT record's upper bits. */
  readonly rcode: string;
  readonly truncated: boolean;
  readonly authoritative: boolean;
  readonly answers: readonly AnswerRecord[];
  /** Owners of the SOA records (class IN) in the answer and authority sections, normalised. */
  readonly soaOwners: readonly string[];
}

/**
 * What a received message is to the query it might answer:
 * - `ignored`: not an answer to it (wrong ID, question, client subnet, not a response) or unreadable;
 * - `invalid`: it answers the query but carries data that cannot be trusted (bad address rdata);
 * - `response`: a usable answer.
 */
export type ResponseVerdict =
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'response'; readonly response: DnsResponse };

export type AcceptedVerdict = Exclude<ResponseVerdict, { kind: 'ignored' }>;

/** RFC 2181 §8: a TTL with the top bit set is treated as zero. */
const MAX_TTL = 0x7fffffff;
/** A compression pointer to offset 12, where the question's name starts. */
const POINTER_TO_QUESTION = 0xc000 | HEADER_BYTES;
/** Option code of EDNS Client Subnet (RFC 7871 §6). */
export const CLIENT_SUBNET_OPTION = 8;
const NO_SOA: readonly string[] = [];

/**
 * Checks `message` against the `query` it should answer and reads it, cheapest checks first
 * (thousands of responses go through here): ID, then everything readResponseTo checks.
 */
export function inspectResponse(message: Buffer, query: Uint8Array, questionName: string, clientSubnet: Uint8Array | undefined): ResponseVerdict {
  if (message.length < HEADER_BYTES) return { kind: 'ignored', why: 'shorter than a DNS header' };
  if (uint16(message, 0) !== uint16(query, 0)) return { kind: 'ignored', why: 'wrong ID' };
  return readResponseTo(message, query, questionName, clientSubnet);
}

/**
 * Checks `message`, whose ID already matched, against `query`: QR bit, the question compared
 * byte-wise (ASCII case-insensitive) with the one sent, then one walk over every record by its
 * RDLENGTH (with the client subnet of the OPT record compared with `clientSubnet`, the option
 * data the query carried, when it carried one), and only then the decoding of the few records
 * used (A, AAAA, CNAME in the answer section; SOA owners). `questionName` is the name the query
 * asks for, normalised; a name in the answer that is just a pointer to the (already compared)
 * question is that name, without decoding it again.
 */
export function readResponseTo(message: Buffer, query: Uint8Array, questionName: string, clientSubnet: Uint8Array | undefined): ResponseVerdict {
  if (message.length < HEADER_BYTES) return { kind: 'ignored', why: 'shorter than a DNS header' };
  const flags = uint16(message, 2);
  if ((flags & FLAG_RESPONSE) === 0) return { kind: 'ignored', why: 'not a response' };
  const headerRcode = flags & 0x000f;
  const questionCount = uint16(message, 4);
  // Some servers send FORMERR/NOTIMP without echoing the question; trusting such an error costs
  // at most a failed round, never a wrong address.
  const errorWithoutQuestion = questionCount === 0 && headerRcode !== 0 && headerRcode !== 3;
  if (!errorWithoutQuestion && (questionCount !== 1 || !sameQuestion(message, query))) {
    return { kind: 'ignored', why: 'wrong question' };
  }

  const walk = walkRecords(message);
  if (walk.kind === 'broken') return { kind: 'ignored', why: `malformed (${walk.detail})` };
  if (walk.kind === 'bad-rdata') return { kind: 'invalid', reason: walk.detail };
  if (clientSubnet !== undefined && walk.opt !== undefined && !sameClientSubnet(message, walk.opt, clientSubnet)) {
    return { kind: 'ignored', why: 'client subnet differs from the query' };
  }

  const answers: AnswerRecord[] = [];
  const nameAtQuestion = questionCount === 1 ? questionName : undefined;
  for (const offset of walk.usable) {
    const record = readAnswer(message, offset, nameAtQuestion);
    if (typeof record === 'string') return { kind: 'ignored', why: `malformed (${record})` };
    answers.push(record);
  }
  let soaOwners = NO_SOA;
  if (walk.soa !== undefined) {
    const owners: string[] = [];
    for (const offset of walk.soa) {
      const owner = readName(message, offset);
      if (typeof owner === 'string') return { kind: 'ignored', why: `malformed (${owner})` };
      owners.push(owner.name);
    }
    soaOwners = owners;
  }
  return {
    kind: 'response',
    response: {
      rcode: rcodeName((walk.extendedRcode << 4) | headerRcode),
      truncated: (flags & FLAG_TRUNCATED) !== 0,
      authoritative: (flags & FLAG_AUTHORITATIVE) !== 0,
      answers,
      soaOwners,
    },
  };
}

/**
 * Whether `message` carries the question of `query` (names compared ASCII case-insensitively).
 * Also used to tell which query a stray message with an unknown ID was aimed at.
 */
export function sameQuestion(message: Buffer, query: Uint8Array): boolean {
  const end = skipName(query, HEADER_BYTES);
  if (end < 0 || message.length < end + 4) return false;
  // Mostly the server echoes the question byte for byte: one native comparison settles it.
  if (message.compare(query, HEADER_BYTES, end + 4, HEADER_BYTES, end + 4) === 0) return true;
  // Label length bytes are < 64 and type/class bytes of the types asked (A, AAAA, SOA; IN) are
  // < 64, so lower-casing bytes 65–90 on both sides only ever equates letters.
  for (let i = HEADER_BYTES; i < end + 4; i++) {
    if (lowerAscii(message[i]!) !== lowerAscii(query[i]!)) return false;
  }
  return true;
}

function lowerAscii(byte: number): number {
  return byte >= 65 && byte <= 90 ? byte + 32 : byte;
}

/** Where an OPT record's RDATA (its options) lies in the message. */
interface OptData {
  readonly start: number;
  readonly end: number;
}

type Walk =
  | { readonly kind: 'ok'; readonly usable: readonly number[]; readonly soa: number[] | undefined; readonly extendedRcode: number; readonly opt: OptData | undefined }
  | { readonly kind: 'broken'; readonly detail: string }
  | { readonly kind: 'bad-rdata'; readonly detail: string };

/**
 * Walks every record by its RDLENGTH, and notes where the usable answers and the SOA records
 * start, and the first OPT record. A wrong-length address would otherwise be read as a valid
 * address and shift every record after it, so it makes the answer untrusted (a failure), never
 * an address silently dropped or invented.
 */
function walkRecords(message: Buffer): Walk {
  const answerCount = uint16(message, 6);
  const additionalCount = uint16(message, 10);
  const withSoa = answerCount + uint16(message, 8);
  const total = withSoa + additionalCount;
  let offset = HEADER_BYTES;
  for (let q = 0; q < uint16(message, 4); q++) {
    offset = skipName(message, offset);
    if (offset < 0 || offset + 4 > message.length) return { kind: 'broken', detail: 'question runs past the end' };
    offset += 4;
  }
  const usable: number[] = [];
  let soa: number[] | undefined;
  let extendedRcode: number | undefined;
  let opt: OptData | undefined;
  for (let r = 0; r < total; r++) {
    const start = offset;
    offset = skipName(message, offset);
    if (offset < 0 || offset + 10 > message.length) return { kind: 'broken', detail: 'record runs past the end' };
    const type = uint16(message, offset);
    const length = uint16(message, offset + 8);
    const data = offset + 10;
    if (data + length > message.length) return { kind: 'broken', detail: 'record data runs past the end' };
    const expected = type === TYPE.A ? 4 : type === TYPE.AAAA ? 16 : undefined;
    if (expected !== undefined && length !== expected) {
      return {
        kind: 'bad-rdata',
        detail: `malformed answer: ${type === TYPE.A ? 'A' : 'AAAA'} record with ${length} bytes of data (expected ${expected})`,
      };
    }
    if ((type === TYPE.CNAME || type === TYPE.NS) && skipName(message, data) !== data + length) {
      return { kind: 'bad-rdata', detail: `malformed answer: ${type === TYPE.NS ? 'NS' : 'CNAME'} record data is not one name` };
    }
    if (type === TYPE.HTTPS && r < answerCount) {
      const problem = svcbProblem(message.subarray(data, data + length));
      if (problem !== undefined) return { kind: 'bad-rdata', detail: `malformed answer: HTTPS record data does not parse (${problem})` };
    }
    if (r < answerCount) {
      if ((expected !== undefined || type === TYPE.CNAME || type === TYPE.NS || type === TYPE.HTTPS) && uint16(message, offset + 2) === CLASS.IN) usable.push(start);
    }
    if (r < withSoa) {
      if (type === TYPE.SOA && uint16(message, offset + 2) === CLASS.IN) (soa ??= []).push(start);
    } else if (type === TYPE.OPT && opt === undefined) {
      extendedRcode = message[offset + 4]!; // the TTL field's first byte (RFC 6891 §6.1.3)
      opt = { start: data, end: data + length };
    }
    offset = data + length;
  }
  return { kind: 'ok', usable, soa, extendedRcode: extendedRcode ?? 0, opt };
}

/**
 * RFC 7871 §7.3: family, source prefix length and address of the response's client subnet must
 * be those sent (`sent`: the option data of the query, its scope byte 0); the scope may differ.
 * A response without the option is an answer from a server that does not use it, and stands.
 */
function sameClientSubnet(message: Buffer, opt: OptData, sent: Uint8Array): boolean {
  const option = findOption(message, opt.start, opt.end, CLIENT_SUBNET_OPTION);
  if (option === undefined) return true;
  if (option === 'broken' || option.end - option.start !== sent.length) return false;
  for (let i = 0; i < sent.length; i++) {
    if (i !== 3 && message[option.start + i] !== sent[i]) return false; // byte 3: the scope prefix length
  }
  return true;
}

/** The data of the first option `code` in the EDNS options between `start` and `end`. */
export function findOption(bytes: Uint8Array, start: number, end: number, code: number): OptData | 'broken' | undefined {
  let at = start;
  while (at < end) {
    if (at + 4 > end) return 'broken';
    const length = uint16(bytes, at + 2);
    if (at + 4 + length > end) return 'broken';
    if (uint16(bytes, at) === code) return { start: at + 4, end: at + 4 + length };
    at += 4 + length;
  }
  return undefined;
}

/** The A/AAAA/CNAME/NS/HTTPS record at `offset` (already framed by walkRecords), or why its names cannot be read. */
function readAnswer(message: Buffer, offset: number, nameAtQuestion: string | undefined): AnswerRecord | string {
  const owner = nameAtQuestion !== undefined && uint16(message, offset) === POINTER_TO_QUESTION ? { name: nameAtQuestion, end: offset + 2 } : readName(message, offset);
  if (typeof owner !== 'object') return owner;
  const fields = owner.end;
  const type = uint16(message, fields);
  const rawTtl = message.readUInt32BE(fields + 4);
  const ttl = rawTtl > MAX_TTL ? 0 : rawTtl;
  const data = fields + 10;
  if (type === TYPE.A) {
    return { name: owner.name, type: 'A', ttl, data: `${message[data]}.${message[data + 1]}.${message[data + 2]}.${message[data + 3]}` };
  }
  if (type === TYPE.AAAA) return { name: owner.name, type: 'AAAA', ttl, data: ipv6Text(message.subarray(data, data + 16)) };
  if (type === TYPE.HTTPS) {
    const length = uint16(message, fields + 8);
    return { name: owner.name, type: 'HTTPS', ttl, data: canonicalSvcbValues([decodeSvcbRdata(message.subarray(data, data + length))])[0]! };
  }
  const target = readName(message, data);
  if (typeof target !== 'object') return target;
  return { name: owner.name, type: type === TYPE.NS ? 'NS' : 'CNAME', ttl, data: target.name };
}

/** Why an HTTPS record's RDATA is not one, or undefined when it reads. */
function svcbProblem(rdata: Uint8Array): string | undefined {
  try {
    decodeSvcbRdata(rdata);
    return undefined;
  } catch (error) {
    if (error instanceof SvcbError) return error.message;
    throw error;
  }
}

/** RFC 5952 text, with an IPv4-mapped address unmapped: exactly what normalizeAddress writes. */
function ipv6Text(bytes: Buffer): string {
  const address = ipaddr.fromByteArray([...bytes]) as ipaddr.IPv6;
  if (address.isIPv4MappedAddress()) return `::ffff:${address.toIPv4Address().toString()}`;
  return address.toRFC5952String();
}
