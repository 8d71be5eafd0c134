import ipaddr from 'ipaddr.js';
import type { Family } from './model.js';

/**
 * Normalised text of an address of `family`: IPv4 dotted quad, IPv6 per RFC 5952. An
 * IPv4-mapped IPv6 address is written with its IPv4 part unmapped (`::ffff:192.0.2.1`, RFC 5952
 * §5) and stays in the AAAA family, where the special-range check refuses it (never a silent
 * drop). Undefined for anything that is not an address of the family.
 */
export function normalizeAddress(family: Family, text: string): string | undefined {
  const trimmed = text.trim();
  if (family === 'A') {
    return ipaddr.IPv4.isValidFourPartDecimal(trimmed) ? ipaddr.IPv4.parse(trimmed).toString() : undefined;
  }
  if (!ipaddr.IPv6.isValid(trimmed) || trimmed.includes('%')) return undefined;
  const v6 = ipaddr.IPv6.parse(trimmed);
  if (v6.isIPv4MappedAddress()) return `::ffff:${v6.toIPv4Address().toString()}`;
  return v6.toRFC5952String();
}

/** Normalised, de-duplicated, sorted (numerically) set of addresses; invalid entries are dropped. */
export function normalizeAddressSet(family: Family, values: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const value of values) {
    const normalised = normalizeAddress(family, value);
    if (normalised !== undefined) set.add(normalised);
  }
  return sortAddresses([...set]);
}

/** Sorts normalised addresses of one family by numeric value (stable text output). */
export function sortAddresses(values: readonly string[]): string[] {
  const key = (v: string): string =>
    ipaddr
      .parse(v)
      .toByteArray()
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
  return [...values].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The special-purpose ranges of DESIGN.md §3, refused unless `allowSpecialAddresses`. */
const SPECIAL_RANGES: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
  '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/128', '::1/128', '::ffff:0:0/96', '64:ff9b::/96', '100::/64', '2001:db8::/32', 'fc00::/7',
  'fe80::/10', 'ff00::/8',
].map((cidr) => ipaddr.parseCIDR(cidr));

/** True when a (normalised) address lies in a special-purpose range. */
export function isSpecialAddress(address: string): boolean {
  const parsed = ipaddr.parse(address);
  return SPECIAL_RANGES.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
}
