import { normalizeName } from '../../src/lib/names.js';

/**
 * Route 53 spells names its own way: lower case, a trailing dot, and every character outside
 * a-z, 0-9, '-' and '_' as a three-digit octal escape (`*.example.com` comes back as
 * `\052.example.com.`). These helpers translate between that form and the core's normalised
 * names, and give the order in which Route 53 lists record sets.
 */

/** The core's normalised form of a name as Route 53 returns it. */
export function fromRoute53Name(route53Name: string): string {
  const unescaped = route53Name.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return normalizeName(unescaped);
}

/** A normalised name in Route 53's stored form (escaped, with the trailing dot). */
export function toRoute53Name(name: string): string {
  const escaped = [...name].map((char) => (/[a-z0-9._-]/.test(char) ? char : `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`)).join('');
  return `${escaped}.`;
}

/**
 * The key Route 53 sorts record sets (and hosted zones) by: the labels reversed, joined with
 * dots, with the trailing dot, compared as plain ASCII — which is why `a-b.example.com` sorts
 * before `a.example.com` ('-' < '.'), as the ListResourceRecordSets documentation warns.
 */
export function listingKey(name: string): string {
  const labels = toRoute53Name(name).slice(0, -1).split('.');
  return `${labels.reverse().join('.')}.`;
}

/** Compares two normalised names in Route 53 listing order. */
export function compareListingOrder(a: string, b: string): number {
  const ka = listingKey(a);
  const kb = listingKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
