import ipaddr from 'ipaddr.js';

/** One record of the answer section that the resolver can use (class IN, A/AAAA/CNAME). */
export interface AnswerRecord {
  /** Owner name, normalised (lower case, no trailing dot). */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME';
  readonly ttl: number;
  /**
   * A/AAAA: the address, already in normalised text (dotted quad; RFC 5952 with IPv4-mapped
   * addresses unmapped, as src/addresses.ts writes them): it is decoded from exactly 4 or 16
   * bytes, so it is always a valid address. CNAME: the target name, normalised.
   */
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

export type AcceptedVerdict = Exclude<ResponseVerdict, { kind: 'ignored' }>;

const HEADER_BYTES = 12;
const FLAG_RESPONSE = 0x8000;
const FLAG_TRUNCATED = 0x0200;
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const TYPE_OPT = 41;
const CLASS_IN = 1;
/** RFC 2181 §8: a TTL with the top bit set is treated as zero. */
const MAX_TTL = 0x7fffffff;
/** RFC 1035 §3.1: 255 bytes on the wire, which is at most 254 in dotted text. */
const MAX_NAME_TEXT = 254;
/** A compression pointer to offset 12, where the question's name starts. */
const POINTER_TO_QUESTION = 0xc000 | HEADER_BYTES;

const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS',
};

/**
 * The big-endian 16-bit value at `offset` (which the caller has checked is in bounds). Plain
 * indexing, not readUInt16BE: every response goes through a dozen of these, and Buffer's method
 * re-checks bounds and types on each call, which is what the first thousands of queries pay for
 * before the JIT has optimised this code.
 */
export function uint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
}

/**
 * Checks `message` against the `query` it should answer and reads it, cheapest checks first
 * (thousands of responses go through here): ID, QR bit, the question compared byte-wise (ASCII
 * case-insensitive) with the one sent, then one walk over every record by its RDLENGTH, and only
 * then the decoding of the few records the resolver uses (A, AAAA, CNAME in the answer section).
 * `questionName` is the name the query asks for, normalised; a name in the answer that is just a
 * pointer to the (already compared) question is that name, without decoding it again.
 */
export function inspectResponse(message: Buffer, query: Uint8Array, questionName: string): ResponseVerdict {
  if (message.length < HEADER_BYTES) return { kind: 'ignored', why: 'shorter than a DNS header' };
  if (uint16(message, 0) !== uint16(query, 0)) return { kind: 'ignored', why: 'wrong ID' };
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

  const answers: AnswerRecord[] = [];
  const nameAtQuestion = questionCount === 1 ? questionName : undefined;
  for (const offset of walk.usable) {
    const record = readAnswer(message, offset, nameAtQuestion);
    if (typeof record === 'string') return { kind: 'ignored', why: `malformed (${record})` };
    answers.push(record);
  }
  return {
    kind: 'response',
    response: {
      rcode: rcodeName((walk.extendedRcode << 4) | headerRcode),
      truncated: (flags & FLAG_TRUNCATED) !== 0,
      answers,
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
function skipName(message: Uint8Array, offset: number): number {
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

type Walk =
  | { readonly kind: 'ok'; readonly usable: readonly number[]; readonly extendedRcode: number }
  | { readonly kind: 'broken'; readonly detail: string }
  | { readonly kind: 'bad-rdata'; readonly detail: string };

/**
 * Walks every record by its RDLENGTH, and notes where the usable answers start and the extended
 * rcode of the first OPT record. A wrong-length address would otherwise be read as a valid
 * address and shift every record after it, so it makes the answer untrusted (a failure), never
 * an address silently dropped or invented.
 */
function walkRecords(message: Buffer): Walk {
  const answerCount = uint16(message, 6);
  const total = answerCount + uint16(message, 8) + uint16(message, 10);
  let offset = HEADER_BYTES;
  for (let q = 0; q < uint16(message, 4); q++) {
    offset = skipName(message, offset);
    if (offset < 0 || offset + 4 > message.length) return { kind: 'broken', detail: 'question runs past the end' };
    offset += 4;
  }
  const usable: number[] = [];
  let extendedRcode: number | undefined;
  for (let r = 0; r < total; r++) {
    const start = offset;
    offset = skipName(message, offset);
    if (offset < 0 || offset + 10 > message.length) return { kind: 'broken', detail: 'record runs past the end' };
    const type = uint16(message, offset);
    const length = uint16(message, offset + 8);
    const data = offset + 10;
    if (data + length > message.length) return { kind: 'broken', detail: 'record data runs past the end' };
    const expected = type === TYPE_A ? 4 : type === TYPE_AAAA ? 16 : undefined;
    if (expected !== undefined && length !== expected) {
      return {
        kind: 'bad-rdata',
        detail: `malformed answer: ${type === TYPE_A ? 'A' : 'AAAA'} record with ${length} bytes of data (expected ${expected})`,
      };
    }
    if (type === TYPE_CNAME && skipName(message, data) !== data + length) {
      return { kind: 'bad-rdata', detail: 'malformed answer: CNAME record data is not one name' };
    }
    if (r < answerCount) {
      if ((expected !== undefined || type === TYPE_CNAME) && uint16(message, offset + 2) === CLASS_IN) usable.push(start);
    } else if (type === TYPE_OPT && extendedRcode === undefined && r >= total - uint16(message, 10)) {
      extendedRcode = message[offset + 4]!; // the TTL field's first byte (RFC 6891 §6.1.3)
    }
    offset = data + length;
  }
  return { kind: 'ok', usable, extendedRcode: extendedRcode ?? 0 };
}

/** The A/AAAA/CNAME record at `offset` (already framed by walkRecords), or why its names cannot be read. */
function readAnswer(message: Buffer, offset: number, nameAtQuestion: string | undefined): AnswerRecord | string {
  const owner =
    nameAtQuestion !== undefined && uint16(message, offset) === POINTER_TO_QUESTION
      ? { name: nameAtQuestion, end: offset + 2 }
      : readName(message, offset);
  if (typeof owner !== 'object') return owner;
  const fields = owner.end;
  const type = uint16(message, fields);
  const rawTtl = message.readUInt32BE(fields + 4);
  const ttl = rawTtl > MAX_TTL ? 0 : rawTtl;
  const data = fields + 10;
  if (type === TYPE_A) {
    return { name: owner.name, type: 'A', ttl, data: `${message[data]}.${message[data + 1]}.${message[data + 2]}.${message[data + 3]}` };
  }
  if (type === TYPE_AAAA) return { name: owner.name, type: 'AAAA', ttl, data: ipv6Text(message.subarray(data, data + 16)) };
  const target = readName(message, data);
  if (typeof target !== 'object') return target;
  return { name: owner.name, type: 'CNAME', ttl, data: target.name };
}

/** RFC 5952 text, with an IPv4-mapped address unmapped: exactly what normalizeAddress writes. */
function ipv6Text(bytes: Buffer): string {
  const address = ipaddr.fromByteArray([...bytes]) as ipaddr.IPv6;
  if (address.isIPv4MappedAddress()) return `::ffff:${address.toIPv4Address().toString()}`;
  return address.toRFC5952String();
}

/**
 * The name at `offset`, normalised, and the offset just past it where it is written. Pointers
 * must point strictly backwards (RFC 1035 §4.1.4), which also makes loops impossible. A label
 * holding a dot is written `\.`, so it can never pass for two labels of a chain name.
 */
function readName(message: Buffer, offset: number): { readonly name: string; readonly end: number } | string {
  let name = '';
  let position = offset;
  let floor = offset;
  let end = -1;
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
    if (position + 1 + length > message.length) return 'name runs past the end';
    const text = message.toString('utf8', position + 1, position + 1 + length);
    const label = text.includes('.') ? text.replaceAll('.', '\\.') : text;
    name = name === '' ? label : `${name}.${label}`;
    if (name.length > MAX_NAME_TEXT) return 'name too long';
    position += 1 + length;
  }
  return { name: name === '' ? '.' : name.toLowerCase(), end };
}
