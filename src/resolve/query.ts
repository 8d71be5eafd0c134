import { randomFillSync } from 'node:crypto';
import dnsPacket, { type PacketOpt } from 'dns-packet';
import ipaddr from 'ipaddr.js';
import type { Family } from '../model.js';
import type { ClientSubnet } from './types.js';

/**
 * The UDP payload size we advertise in EDNS0: the DNS Flag Day 2020 value, small enough that an
 * answer never needs IP fragmentation (fragments are what off-path spoofing rides on).
 */
export const EDNS_UDP_PAYLOAD_SIZE = 1232;

/** Option code of EDNS Client Subnet (RFC 7871). */
const CLIENT_SUBNET = 8;

const HEADER_BYTES = 12;
/** ID 0 (stamped per send), RD=1, one question, no answer or authority, one additional (OPT). */
const HEADER = new Uint8Array([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
const DOT = 0x2e;
const ASCII = /^[\x00-\x7f]*$/;
/** Both fit in the low byte of the 16-bit field. */
const QTYPE: Readonly<Record<Family, number>> = { A: 1, AAAA: 28 };
const CLASS_IN = 1;
const MAX_LABEL_BYTES = 63;
/** RFC 1035 §3.1: a name is at most 255 bytes on the wire, length bytes and root included. */
const MAX_NAME_BYTES = 255;

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
    code: CLIENT_SUBNET,
    family: ecs.family,
    sourcePrefixLength: ecs.sourcePrefixLength,
    scopePrefixLength: 0,
    ip: network.toString(),
  };
}

/**
 * Writes recursive (RD=1) queries in class IN with an EDNS0 OPT record. The OPT record is the
 * same for every query of a resolver, so it is encoded once (by dns-packet) and copied; the
 * question is written directly, which is all that differs between queries.
 */
export class QueryEncoder {
  private readonly optRecord: Uint8Array;

  constructor(options: readonly PacketOpt[]) {
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
          options: [...options],
        },
      ],
    });
    this.optRecord = new Uint8Array(template.subarray(HEADER_BYTES));
  }

  /**
   * The query for `name` (normalised) and `family`, with ID 0: the transport stamps a fresh
   * random ID into bytes 0–1 before each send. Undefined when `name` cannot be written as a DNS
   * name (an empty or over-long label, more than 255 bytes, or an escaped dot).
   *
   * Written with typed-array built-ins and one pass over the characters, not Buffer's methods:
   * each of those re-validates its arguments in JavaScript, which is most of the cost of a query
   * until the JIT has compiled this (the benchmark's rounds are short enough for that to show).
   */
  encode(name: string, family: Family): Uint8Array | undefined {
    const root = name === '' || name === '.';
    if (!root && name.includes('\\')) return undefined;
    // Hostnames are ASCII, so their characters are their bytes; anything else is turned into a
    // string of its UTF-8 bytes first, so that one loop serves both.
    const bytes = root ? '' : ASCII.test(name) ? name : Buffer.from(name, 'utf8').toString('latin1');
    // One length byte per label takes the place of each dot, plus the first length byte and the root.
    const wireNameBytes = bytes.length + (root ? 1 : 2);
    if (wireNameBytes > MAX_NAME_BYTES) return undefined;
    const query = new Uint8Array(HEADER_BYTES + wireNameBytes + 4 + this.optRecord.length);
    query.set(HEADER, 0);
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
    // The root label (0) and the zero high bytes of QTYPE and QCLASS are already there.
    query[offset + 2] = QTYPE[family];
    query[offset + 4] = CLASS_IN;
    query.set(this.optRecord, offset + 5);
    return query;
  }
}
