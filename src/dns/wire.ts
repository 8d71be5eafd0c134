/** Fixed parts of the DNS message format (RFC 1035 §4.1) that every reader and writer here shares. */

export const HEADER_BYTES = 12;

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28, HTTPS: 65, OPT: 41, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE_UPDATE = 5;

export const FLAG_RESPONSE = 0x8000;
export const FLAG_AUTHORITATIVE = 0x0400;
export const FLAG_TRUNCATED = 0x0200;
export const FLAG_RECURSION_DESIRED = 0x0100;

/**
 * The big-endian 16-bit value at `offset` (which the caller has checked is in bounds). Plain
 * indexing, not readUInt16BE: see docs/design/wire-codec.md.
 */
export function uint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export interface Header {
  readonly id: number;
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  /** The header's 4 bits only; an OPT record may extend it (see response.ts). */
  readonly rcode: number;
  /** QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (for an UPDATE: zone, prerequisite, update, additional). */
  readonly counts: readonly [number, number, number, number];
}

export function readHeader(message: Uint8Array): Header {
  if (message.length < HEADER_BYTES) throw new Error('DNS message shorter than its header');
  const flags = uint16(message, 2);
  return {
    id: uint16(message, 0),
    isResponse: (flags & FLAG_RESPONSE) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & FLAG_AUTHORITATIVE) !== 0,
    truncated: (flags & FLAG_TRUNCATED) !== 0,
    rcode: flags & 0xf,
    counts: [uint16(message, 4), uint16(message, 6), uint16(message, 8), uint16(message, 10)],
  };
}
