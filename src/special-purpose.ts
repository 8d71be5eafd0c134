import ipaddr from 'ipaddr.js';

/**
 * Which addresses apexsync refuses to publish (unless a record sets `allowSpecialAddresses`).
 *
 * The source is the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and their
 * later entries): an address is judged by the most specific entry holding it, and refused when
 * that entry is not globally reachable. Entries the registry marks N/A are refused, except the
 * forms that carry an IPv4 address, which are judged by that address instead. Multicast and
 * the deprecated site-local block are not in these registries but are refused too (ipaddr.js
 * classifies both). ipaddr.js parses, matches and unwraps; the tables below say what is refused.
 */

/** One registry entry. `globallyReachable` null: the registry says N/A. */
export interface RegistryEntry {
  readonly block: string;
  readonly name: string;
  readonly rfc: string;
  readonly globallyReachable: boolean | null;
}

/** IANA IPv4 Special-Purpose Address Registry, every entry. */
export const IPV4_SPECIAL_PURPOSE: readonly RegistryEntry[] = [
  { block: '0.0.0.0/8', name: '"This network"', rfc: 'RFC 791', globallyReachable: false },
  { block: '0.0.0.0/32', name: '"This host on this network"', rfc: 'RFC 1122', globallyReachable: false },
  { block: '10.0.0.0/8', name: 'Private-Use', rfc: 'RFC 1918', globallyReachable: false },
  { block: '100.64.0.0/10', name: 'Shared Address Space', rfc: 'RFC 6598', globallyReachable: false },
  { block: '127.0.0.0/8', name: 'Loopback', rfc: 'RFC 1122', globallyReachable: false },
  { block: '169.254.0.0/16', name: 'Link Local', rfc: 'RFC 3927', globallyReachable: false },
  { block: '172.16.0.0/12', name: 'Private-Use', rfc: 'RFC 1918', globallyReachable: false },
  { block: '192.0.0.0/24', name: 'IETF Protocol Assignments', rfc: 'RFC 6890', globallyReachable: false },
  { block: '192.0.0.0/29', name: 'IPv4 Service Continuity Prefix', rfc: 'RFC 7335', globallyReachable: false },
  { block: '192.0.0.8/32', name: 'IPv4 dummy address', rfc: 'RFC 7600', globallyReachable: false },
  { block: '192.0.0.9/32', name: 'Port Control Protocol Anycast', rfc: 'RFC 7723', globallyReachable: true },
  { block: '192.0.0.10/32', name: 'Traversal Using Relays around NAT Anycast', rfc: 'RFC 8155', globallyReachable: true },
  { block: '192.0.0.170/32', name: 'NAT64/DNS64 Discovery', rfc: 'RFC 8880', globallyReachable: false },
  { block: '192.0.0.171/32', name: 'NAT64/DNS64 Discovery', rfc: 'RFC 8880', globallyReachable: false },
  { block: '192.0.2.0/24', name: 'Documentation (TEST-NET-1)', rfc: 'RFC 5737', globallyReachable: false },
  { block: '192.31.196.0/24', name: 'AS112-v4', rfc: 'RFC 7535', globallyReachable: true },
  { block: '192.52.193.0/24', name: 'AMT', rfc: 'RFC 7450', globallyReachable: true },
  { block: '192.88.99.0/24', name: 'Deprecated (6to4 Relay Anycast)', rfc: 'RFC 7526', globallyReachable: null },
  { block: '192.88.99.2/32', name: '6a44-relay anycast address', rfc: 'RFC 6751', globallyReachable: false },
  { block: '192.168.0.0/16', name: 'Private-Use', rfc: 'RFC 1918', globallyReachable: false },
  { block: '192.175.48.0/24', name: 'Direct Delegation AS112 Service', rfc: 'RFC 7534', globallyReachable: true },
  { block: '198.18.0.0/15', name: 'Benchmarking', rfc: 'RFC 2544', globallyReachable: false },
  { block: '198.51.100.0/24', name: 'Documentation (TEST-NET-2)', rfc: 'RFC 5737', globallyReachable: false },
  { block: '203.0.113.0/24', name: 'Documentation (TEST-NET-3)', rfc: 'RFC 5737', globallyReachable: false },
  { block: '240.0.0.0/4', name: 'Reserved', rfc: 'RFC 1112', globallyReachable: false },
  { block: '255.255.255.255/32', name: 'Limited Broadcast', rfc: 'RFC 8190', globallyReachable: false },
];

/** IANA IPv6 Special-Purpose Address Registry, every entry. */
export const IPV6_SPECIAL_PURPOSE: readonly RegistryEntry[] = [
  { block: '::1/128', name: 'Loopback Address', rfc: 'RFC 4291', globallyReachable: false },
  { block: '::/128', name: 'Unspecified Address', rfc: 'RFC 4291', globallyReachable: false },
  { block: '::ffff:0:0/96', name: 'IPv4-mapped Address', rfc: 'RFC 4291', globallyReachable: false },
  { block: '64:ff9b::/96', name: 'IPv4-IPv6 Translat.', rfc: 'RFC 6052', globallyReachable: true },
  { block: '64:ff9b:1::/48', name: 'IPv4-IPv6 Translat.', rfc: 'RFC 8215', globallyReachable: false },
  { block: '100::/64', name: 'Discard-Only Address Block', rfc: 'RFC 6666', globallyReachable: false },
  { block: '100:0:0:1::/64', name: 'Dummy IPv6 Prefix', rfc: 'RFC 9780', globallyReachable: false },
  { block: '2001::/23', name: 'IETF Protocol Assignments', rfc: 'RFC 2928', globallyReachable: false },
  { block: '2001::/32', name: 'TEREDO', rfc: 'RFC 4380', globallyReachable: null },
  { block: '2001:1::1/128', name: 'Port Control Protocol Anycast', rfc: 'RFC 7723', globallyReachable: true },
  { block: '2001:1::2/128', name: 'Traversal Using Relays around NAT Anycast', rfc: 'RFC 8155', globallyReachable: true },
  { block: '2001:1::3/128', name: 'DNS-SD Service Registration Protocol Anycast', rfc: 'RFC 9665', globallyReachable: true },
  { block: '2001:2::/48', name: 'Benchmarking', rfc: 'RFC 5180', globallyReachable: false },
  { block: '2001:3::/32', name: 'AMT', rfc: 'RFC 7450', globallyReachable: true },
  { block: '2001:4:112::/48', name: 'AS112-v6', rfc: 'RFC 7535', globallyReachable: true },
  { block: '2001:10::/28', name: 'Deprecated (previously ORCHID)', rfc: 'RFC 4843', globallyReachable: null },
  { block: '2001:20::/28', name: 'ORCHIDv2', rfc: 'RFC 7343', globallyReachable: true },
  { block: '2001:30::/28', name: 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', rfc: 'RFC 9374', globallyReachable: true },
  { block: '2001:db8::/32', name: 'Documentation', rfc: 'RFC 3849', globallyReachable: false },
  { block: '2002::/16', name: '6to4', rfc: 'RFC 3056', globallyReachable: null },
  { block: '2620:4f:8000::/48', name: 'Direct Delegation AS112 Service', rfc: 'RFC 7534', globallyReachable: true },
  { block: '3fff::/20', name: 'Documentation', rfc: 'RFC 9637', globallyReachable: false },
  { block: '5f00::/16', name: 'Segment Routing (SRv6) SIDs', rfc: 'RFC 9602', globallyReachable: false },
  { block: 'fc00::/7', name: 'Unique-Local', rfc: 'RFC 4193', globallyReachable: false },
  { block: 'fe80::/10', name: 'Link-Local Unicast', rfc: 'RFC 4291', globallyReachable: false },
];

/** Outside both registries, never a host on the Internet: refused like a registry entry. */
const ALSO_REFUSED: readonly RegistryEntry[] = [
  { block: '224.0.0.0/4', name: 'Multicast', rfc: 'RFC 5771', globallyReachable: false },
  { block: 'ff00::/8', name: 'Multicast', rfc: 'RFC 4291', globallyReachable: false },
  { block: 'fec0::/10', name: 'Site-Local (deprecated)', rfc: 'RFC 3879', globallyReachable: false },
];

interface Block {
  readonly entry: RegistryEntry;
  readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

/** Most specific first, so the first match is the entry that decides. */
const BLOCKS: readonly Block[] = [...IPV4_SPECIAL_PURPOSE, ...IPV6_SPECIAL_PURPOSE, ...ALSO_REFUSED]
  .map((entry) => ({ entry, range: ipaddr.parseCIDR(entry.block) }))
  .sort((a, b) => b.range[1] - a.range[1]);

/**
 * IPv6 forms that carry an IPv4 address, judged by that address: 6to4 (RFC 3056), the NAT64
 * well-known prefix (RFC 6052), Teredo (RFC 4380: the server, and the client stored inverted),
 * IPv4-compatible (RFC 4291, deprecated) and IPv4-translated (RFC 6145). The local-use NAT64
 * prefix (RFC 8215) is not globally reachable at all, so it needs no unwrapping.
 */
const EMBEDDING: ReadonlyArray<{ readonly range: [ipaddr.IPv6, number]; readonly form: string; readonly carried: (bytes: number[]) => number[][] }> = [
  { range: ipaddr.IPv6.parseCIDR('2002::/16'), form: '6to4', carried: (b) => [b.slice(2, 6)] },
  { range: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), form: 'NAT64', carried: (b) => [b.slice(12, 16)] },
  { range: ipaddr.IPv6.parseCIDR('2001::/32'), form: 'Teredo', carried: (b) => [b.slice(4, 8), b.slice(12, 16).map((x) => x ^ 0xff)] },
  { range: ipaddr.IPv6.parseCIDR('::/96'), form: 'IPv4-compatible', carried: (b) => [b.slice(12, 16)] },
  { range: ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'), form: 'IPv4-translated', carried: (b) => [b.slice(12, 16)] },
];

/**
 * Why `address` (normalised, either family) must not be published, in words with the RFC;
 * undefined when it may be.
 */
export function specialPurposeOf(address: string): string | undefined {
  const parsed = ipaddr.parse(address);
  const decided = BLOCKS.find(({ range }) => range[0].kind() === parsed.kind() && parsed.match(range));
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const embedding = EMBEDDING.find(({ range }) => v6.match(range));
    // The registry entry decides unless it leaves the form to the address it carries (N/A, or
    // globally reachable like 64:ff9b::/96), or no entry holds the form (IPv4-compatible, -translated).
    if (embedding !== undefined && decided?.entry.globallyReachable !== false) {
      for (const octets of embedding.carried(v6.toByteArray())) {
        const inner = new ipaddr.IPv4(octets).toString();
        const why = specialPurposeOf(inner);
        if (why !== undefined) return `${embedding.form} form of ${inner}: ${why}`;
      }
      return undefined;
    }
  }
  if (decided === undefined || decided.entry.globallyReachable === true) return undefined;
  return `${decided.entry.name}, ${decided.entry.rfc}`;
}

/** True when a (normalised) address must not be published. */
export function isSpecialAddress(address: string): boolean {
  return specialPurposeOf(address) !== undefined;
}
