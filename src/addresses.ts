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

/** Special-purpose addresses (refused unless `allowSpecialAddresses`): src/special-purpose.ts. */
export { isSpecialAddress, specialPurposeOf } from './special-purpose.js';
