import { randomFillSync } from 'node:crypto';
import dnsPacket, { type PacketOpt } from 'dns-packet';
import ipaddr from 'ipaddr.js';
import { MAX_LABEL_BYTES, MAX_NAME_BYTES, nameLabels } from './names.js';
import { CLIENT_SUBNET_OPTION, findOption } from './response.js';
import { CLASS, FLAG_RECURSION_DESIRED, HEADER_BYTES, TYPE } from './wire.js';

/**
 * The UDP payload size we advertise in EDNS0: the DNS Flag Day 2020 value, small enough that an
 * answer never needs IP fragmentation (fragments are what off-path spoofing rides on).
 */
export const EDNS_UDP_PAYLOAD_SIZE = 1232;

/** EDNS Client Subnet option (RFC 7871) to send with every query. */
export interface ClientSubnet {
  readonly family: 1 | 2;
  readonly address: string;
  readonly sourcePrefixLength: number;
}

export type QueryType = 'A' | 'AAAA' | 'HTTPS' | 'NS' | 'SOA';

/** All fit in the low byte of the 16-bit field. */
const QTYPE: Readonly<Record<QueryType, number>> = { A: TYPE.A, AAAA: TYPE.AAAA, HTTPS: TYPE.HTTPS, NS: TYPE.NS, SOA: TYPE.SOA };
const DOT = 0x2e;
const BACKSLASH = '\\';
const ASCII = /^[\x00-\x7f]*$/;
/** Offset of the RDATA in an OPT record whose owner is the root: name 1, type 2, class 2, TTL 4, RDLENGTH 2. */
const OPT_RDATA = 11;

// Query IDs (and the pick of a pooled socket) come from the CSPRNG, but one crypto call per query
// is measurable over thousands of queries; a pool of random bytes refilled every 2048 draws keeps
// them unpredictable and cheap.
const RANDOM_POOL = Buffer.alloc(4096);
let randomPoolOffset = RANDOM_POOL.length;

/** A random 16-bit value from the CSPRNG: query IDs (RFC 5452 §9.2: IDs must not be guessable). */
export function randomUint16(): number {
  if (randomPoolOffset + 2 > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomPoolOffset = 0;
  }
  const value = RANDOM_POOL.readUInt16BE(randomPoolOffset);
  randomPoolOffset += 2;
  return value;
}

/**
 * The ECS option as sent: the address is cut to its source prefix, because RFC 7871 §6 requires
 * the bits beyond it to be zero (a resolver may answer FORMERR otherwise).
 */
export function clientSubnetOption(ecs: ClientSubnet): PacketOpt {
  const network =
    ecs.family === 1
      ? ipaddr.IPv4.networkAddressFromCIDR(`${ecs.address}/${ecs.sourcePrefixLength}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${ecs.address}/${ecs.sourcePrefixLength}`);
  return {
    code: CLIENT_SUBNET_OPTION,
    family: ecs.family,
    sourcePrefixLength: ecs.sourcePrefixLength,
    scopePrefixLength: 0,
    ip: network.toString(),
  };
}

export interface QueryEncoderOptions {
  /** RD: ask a recursive resolver to resolve (true), or an authoritative server for its own data (false). */
  readonly recursionDesired: boolean;
  /** EDNS0 options to send in an OPT record; undefined sends no OPT record at all. */
  readonly ednsOptions?: readonly PacketOpt[] | undefined;
}

/**
 * Writes queries of one kind (class IN, the same flags and EDNS0 OPT record for each). The OPT
 * record is encoded once, by dns-packet, and copied; the header and question are written here:
 * see docs/design/wire-codec.md for why, with the figures.
 */
export class QueryEncoder {
  private readonly header: Uint8Array;
  private readonly optRecord: Uint8Array;
  /** The client subnet option's data as sent (scope 0), to compare answers with; undefined without one. */
  readonly clientSubnet: Uint8Array | undefined;

  constructor(options: QueryEncoderOptions) {
    const withOpt = options.ednsOptions !== undefined;
    // ID 0 (stamped per send), flags, one question, no answer or authority, one additional (OPT) or none.
    this.header = new Uint8Array([0, 0, options.recursionDesired ? FLAG_RECURSION_DESIRED >> 8 : 0, 0, 0, 1, 0, 0, 0, 0, 0, withOpt ? 1 : 0]);
    if (!withOpt) {
      this.optRecord = new Uint8Array(0);
      this.clientSubnet = undefined;
      return;
    }
    const template = dnsPacket.encode({
      type: 'query',
      id: 0,
      flags: 0,
      questions: [],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: EDNS_UDP_PAYLOAD_SIZE,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [...(options.ednsOptions ?? [])],
        },
      ],
    });
    this.optRecord = new Uint8Array(template.subarray(HEADER_BYTES));
    const subnet = findOption(this.optRecord, OPT_RDATA, this.optRecord.length, CLIENT_SUBNET_OPTION);
    this.clientSubnet = typeof subnet === 'object' ? this.optRecord.slice(subnet.start, subnet.end) : undefined;
  }

  /**
   * The query for `name` (normalised, presentation format) and `type`, with ID 0: the sender
   * stamps a fresh ID into bytes 0–1 before each send. Undefined when `name` cannot be written as
   * a DNS name (an empty or over-long label, more than 255 bytes, a bad escape).
   */
  encode(name: string, type: QueryType): Uint8Array | undefined {
    if (name.includes(BACKSLASH)) return this.encodeEscaped(name, type);
    const root = name === '' || name === '.';
    // Hostnames are ASCII, so their characters are their bytes; anything else is turned into a
    // string of its UTF-8 bytes first, so that one loop serves both.
    const bytes = root ? '' : ASCII.test(name) ? name : Buffer.from(name, 'utf8').toString('latin1');
    // One length byte per label takes the place of each dot, plus the first length byte and the root.
    const wireNameBytes = bytes.length + (root ? 1 : 2);
    if (wireNameBytes > MAX_NAME_BYTES) return undefined;
    const query = this.allocate(wireNameBytes);
    // "a.bc" is written as 1 a 2 b c 0: a dot (or the end) closes the label, whose length goes
    // into the byte kept free before it.
    let lengthAt = HEADER_BYTES;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes.charCodeAt(i);
      if (byte !== DOT) {
        query[HEADER_BYTES + 1 + i] = byte;
        continue;
      }
      const labelBytes = HEADER_BYTES + i - lengthAt;
      if (labelBytes < 1 || labelBytes > MAX_LABEL_BYTES) return undefined;
      query[lengthAt] = labelBytes;
      lengthAt = HEADER_BYTES + 1 + i;
    }
    let offset = HEADER_BYTES;
    if (!root) {
      offset = HEADER_BYTES + 1 + bytes.length;
      const labelBytes = offset - lengthAt - 1;
      if (labelBytes < 1 || labelBytes > MAX_LABEL_BYTES) return undefined;
      query[lengthAt] = labelBytes;
    }
    return this.finish(query, offset, type);
  }

  /** A name with presentation escapes (`\DDD`, `\.`), as a CNAME read from the wire may have. */
  private encodeEscaped(name: string, type: QueryType): Uint8Array | undefined {
    const labels = nameLabels(name);
    if (labels === undefined) return undefined;
    const query = this.allocate(labels.reduce((sum, label) => sum + 1 + label.length, 1));
    let offset = HEADER_BYTES;
    for (const label of labels) {
      query[offset] = label.length;
      query.set(label, offset + 1);
      offset += 1 + label.length;
    }
    return this.finish(query, offset, type);
  }

  /** A query with room for a name of `wireNameBytes` after the header, and the header written. */
  private allocate(wireNameBytes: number): Uint8Array {
    const query = new Uint8Array(HEADER_BYTES + wireNameBytes + 4 + this.optRecord.length);
    query.set(this.header, 0);
    return query;
  }

  /** Writes QTYPE, QCLASS and the OPT record after the name, which ends (with its root label) at `offset`. */
  private finish(query: Uint8Array, offset: number, type: QueryType): Uint8Array {
    // The root label (0) and the zero high bytes of QTYPE and QCLASS are already there.
    query[offset + 2] = QTYPE[type];
    query[offset + 4] = CLASS.IN;
    query.set(this.optRecord, offset + 5);
    return query;
  }
}
