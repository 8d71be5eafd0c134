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

// Query IDs come from the CSPRNG, but one crypto call per query is measurable over thousands of
// queries; a pool of random bytes refilled every 2048 IDs keeps the IDs unpredictable and cheap.
const ID_POOL = Buffer.alloc(4096);
let idPoolOffset = ID_POOL.length;

/** A random 16-bit query ID (RFC 5452 §9.2: IDs must not be guessable). */
export function randomQueryId(): number {
  if (idPoolOffset + 2 > ID_POOL.length) {
    randomFillSync(ID_POOL);
    idPoolOffset = 0;
  }
  const id = ID_POOL.readUInt16BE(idPoolOffset);
  idPoolOffset += 2;
  return id;
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

/** One recursive (RD=1) query for `name`/`family` in class IN, with an EDNS0 OPT record. */
export function encodeQuery(id: number, name: string, family: Family, options: readonly PacketOpt[]): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: family, name, class: 'IN' }],
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
}
