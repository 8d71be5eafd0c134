import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/addresses.js';
import { IPV4_SPECIAL_PURPOSE, IPV6_SPECIAL_PURPOSE, isSpecialAddress, specialPurposeOf } from '../../src/special-purpose.js';

/**
 * Every entry of the IANA IPv4 and IPv6 Special-Purpose Address Registries, with its RFC, an
 * address inside it, and whether apexsync refuses that address. Written out here on its own (not
 * derived from the source table) so that a dropped or altered entry fails.
 */
const IPV4_REGISTRY: ReadonlyArray<readonly [block: string, rfc: string, inside: string, refused: boolean]> = [
  ['0.0.0.0/8', 'RFC 791', '0.1.2.3', true],
  ['0.0.0.0/32', 'RFC 1122', '0.0.0.0', true],
  ['10.0.0.0/8', 'RFC 1918', '10.0.0.5', true],
  ['100.64.0.0/10', 'RFC 6598', '100.127.255.254', true],
  ['127.0.0.0/8', 'RFC 1122', '127.0.0.1', true],
  ['169.254.0.0/16', 'RFC 3927', '169.254.169.254', true],
  ['172.16.0.0/12', 'RFC 1918', '172.31.255.255', true],
  ['192.0.0.0/24', 'RFC 6890', '192.0.0.11', true],
  ['192.0.0.0/29', 'RFC 7335', '192.0.0.1', true],
  ['192.0.0.8/32', 'RFC 7600', '192.0.0.8', true],
  ['192.0.0.9/32', 'RFC 7723', '192.0.0.9', false],
  ['192.0.0.10/32', 'RFC 8155', '192.0.0.10', false],
  ['192.0.0.170/32', 'RFC 8880', '192.0.0.170', true],
  ['192.0.0.171/32', 'RFC 8880', '192.0.0.171', true],
  ['192.0.2.0/24', 'RFC 5737', '192.0.2.1', true],
  ['192.31.196.0/24', 'RFC 7535', '192.31.196.1', false],
  ['192.52.193.0/24', 'RFC 7450', '192.52.193.1', false],
  ['192.88.99.0/24', 'RFC 7526', '192.88.99.1', true],
  ['192.88.99.2/32', 'RFC 6751', '192.88.99.2', true],
  ['192.168.0.0/16', 'RFC 1918', '192.168.1.1', true],
  ['192.175.48.0/24', 'RFC 7534', '192.175.48.1', false],
  ['198.18.0.0/15', 'RFC 2544', '198.19.255.255', true],
  ['198.51.100.0/24', 'RFC 5737', '198.51.100.7', true],
  ['203.0.113.0/24', 'RFC 5737', '203.0.113.9', true],
  ['240.0.0.0/4', 'RFC 1112', '250.1.2.3', true],
  ['255.255.255.255/32', 'RFC 8190', '255.255.255.255', true],
];

const IPV6_REGISTRY: ReadonlyArray<readonly [block: string, rfc: string, inside: string, refused: boolean]> = [
  ['::1/128', 'RFC 4291', '::1', true],
  ['::/128', 'RFC 4291', '::', true],
  ['::ffff:0:0/96', 'RFC 4291', '::ffff:8.8.8.8', true],
  ['64:ff9b::/96', 'RFC 6052', '64:ff9b::808:808', false],
  ['64:ff9b:1::/48', 'RFC 8215', '64:ff9b:1::808:808', true],
  ['100::/64', 'RFC 6666', '100::1', true],
  ['100:0:0:1::/64', 'RFC 9780', '100:0:0:1::1', true],
  ['2001::/23', 'RFC 2928', '2001:1::4', true],
  ['2001::/32', 'RFC 4380', '2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
  ['2001:1::1/128', 'RFC 7723', '2001:1::1', false],
  ['2001:1::2/128', 'RFC 8155', '2001:1::2', false],
  ['2001:1::3/128', 'RFC 9665', '2001:1::3', false],
  ['2001:2::/48', 'RFC 5180', '2001:2::1', true],
  ['2001:3::/32', 'RFC 7450', '2001:3::1', false],
  ['2001:4:112::/48', 'RFC 7535', '2001:4:112::1', false],
  ['2001:10::/28', 'RFC 4843', '2001:10::1', true],
  ['2001:20::/28', 'RFC 7343', '2001:20::1', false],
  ['2001:30::/28', 'RFC 9374', '2001:30::1', false],
  ['2001:db8::/32', 'RFC 3849', '2001:db8::1', true],
  ['2002::/16', 'RFC 3056', '2002:7f00:1::1', true],
  ['2620:4f:8000::/48', 'RFC 7534', '2620:4f:8000::1', false],
  ['3fff::/20', 'RFC 9637', '3fff::1', true],
  ['5f00::/16', 'RFC 9602', '5f00::1', true],
  ['fc00::/7', 'RFC 4193', 'fd12:3456::1', true],
  ['fe80::/10', 'RFC 4291', 'fe80::1', true],
];

const refused = (text: string): boolean => {
  const family = text.includes(':') ? 'AAAA' : 'A';
  const normal = normalizeAddress(family, text);
  if (normal === undefined) throw new Error(`${text} is not an address`);
  return isSpecialAddress(normal);
};

describe('special-purpose addresses: the IANA registries', () => {
  it('the source tables hold exactly the registry entries, each with its RFC', () => {
    expect(IPV4_SPECIAL_PURPOSE.map((e) => [e.block, e.rfc])).toEqual(IPV4_REGISTRY.map(([block, rfc]) => [block, rfc]));
    expect(IPV6_SPECIAL_PURPOSE.map((e) => [e.block, e.rfc])).toEqual(IPV6_REGISTRY.map(([block, rfc]) => [block, rfc]));
  });

  it.each([...IPV4_REGISTRY, ...IPV6_REGISTRY])('%s (%s): %s refused = %s', (block, _rfc, inside, expected) => {
    const [network, bits] = ipaddr.parseCIDR(block);
    expect(ipaddr.parse(inside).match([network, bits])).toBe(true);
    expect(refused(inside)).toBe(expected);
  });

  it('every entry that is not globally reachable is one ipaddr.js classifies as special too (where it knows the block)', () => {
    // ipaddr.js 2.5 has no class for these (they are inside a block it calls unicast or a wider one).
    const unknownToIpaddr = new Set(['100:0:0:1::/64']);
    for (const entry of [...IPV4_SPECIAL_PURPOSE, ...IPV6_SPECIAL_PURPOSE]) {
      if (entry.globallyReachable === true || unknownToIpaddr.has(entry.block)) continue;
      const [network] = ipaddr.parseCIDR(entry.block);
      expect([entry.block, network.range()]).not.toEqual([entry.block, 'unicast']);
    }
  });
});

describe('special-purpose addresses: the cases that were published before', () => {
  it.each([
    ['3fff::1', 'Documentation, RFC 9637'],
    ['2002:7f00:1::1', '6to4 form of 127.0.0.1: Loopback, RFC 1122'],
    ['::7f00:1', 'IPv4-compatible form of 127.0.0.1: Loopback, RFC 1122'],
    ['64:ff9b:1::a00:5', 'IPv4-IPv6 Translat., RFC 8215'],
    ['::ffff:0:7f00:1', 'IPv4-translated form of 127.0.0.1: Loopback, RFC 1122'],
    ['fec0::1', 'Site-Local (deprecated), RFC 3879'],
    ['2001:2::1', 'Benchmarking, RFC 5180'],
    ['192.88.99.1', 'Deprecated (6to4 Relay Anycast), RFC 7526'],
    ['5f00::1', 'Segment Routing (SRv6) SIDs, RFC 9602'],
    ['100:0:0:1::1', 'Dummy IPv6 Prefix, RFC 9780'],
    ['2001:1ff::1', 'IETF Protocol Assignments, RFC 2928'],
  ])('%s is refused: %s', (address, why) => {
    expect(specialPurposeOf(normalizeAddress(address.includes(':') ? 'AAAA' : 'A', address)!)).toBe(why);
  });
});

describe('special-purpose addresses: forms that carry an IPv4 address are judged by it', () => {
  it.each([
    ['64:ff9b::a00:5', true, 'NAT64 around 10.0.0.5'],
    ['64:ff9b::a9fe:a9fe', true, 'NAT64 around 169.254.169.254'],
    ['64:ff9b::808:808', false, 'NAT64 around 8.8.8.8'],
    ['2002:c0a8:101::1', true, '6to4 around 192.168.1.1'],
    ['2002:808:808::1', false, '6to4 around 8.8.8.8'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true, 'Teredo, client 192.0.2.45 (stored inverted)'],
    ['2001:0:a00:1:8000:63bf:f7f7:f7f7', true, 'Teredo, server 10.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false, 'Teredo, server 65.54.227.120, client 8.8.8.8'],
    ['::a00:1', true, 'IPv4-compatible 10.0.0.1'],
    ['::ffff:0:a00:1', true, 'IPv4-translated 10.0.0.1'],
    ['::ffff:127.0.0.1', true, 'IPv4-mapped: never published (not globally reachable)'],
  ])('%s refused = %s (%s)', (address, expected) => {
    expect(refused(address)).toBe(expected);
  });

  it('ordinary addresses are published, and the edges of a block are exact', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.216.34',
      '2606:4700:4700::1111',
      '2001:200::1',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '3fff:1000::1',
    ]) {
      expect([address, refused(address)]).toEqual([address, false]);
    }
    for (const address of ['172.16.0.0', '100.64.0.0', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', '3fff:fff:ffff::1', '224.0.0.1', 'ff02::1']) {
      expect([address, refused(address)]).toEqual([address, true]);
    }
  });
});
