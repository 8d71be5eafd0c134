/** Owner and target names: case-insensitive, accepted with or without the trailing dot. */

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lower case, without the trailing dot. Does not validate. */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') && lower.length > 1 ? lower.slice(0, -1) : lower;
}

/** True for a syntactically valid DNS hostname (letters, digits, hyphen, underscore; ≤ 253 chars). */
export function isHostname(name: string): boolean {
  const n = normalizeName(name);
  if (n.length === 0 || n.length > 253) return false;
  return n.split('.').every((label) => LABEL.test(label));
}

/** True when `name` equals `zone` or lies below it. Both must be normalised. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** Fully qualified form with the trailing dot, as zone files and wire formats want it. */
export function fqdn(name: string): string {
  return `${name}.`;
}
