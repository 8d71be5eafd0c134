import { normalizeName } from '../../src/lib/names.js';

/** Targets an Azure DNS alias record set can follow natively (an alias points at the Azure resource). */
const ALIAS_FORMS: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }> = [
  { pattern: /\.trafficmanager\.net$/, what: 'a Traffic Manager profile' },
  { pattern: /\.azurefd\.net$/, what: 'an Azure Front Door endpoint' },
  { pattern: /\.azureedge\.net$/, what: 'an Azure CDN endpoint' },
  { pattern: /\.cloudapp\.azure\.com$/, what: 'the DNS name of an Azure public IP address' },
];

/**
 * A one-line hint when `target` is an Azure resource that an alias record set can point at, so the
 * operator knows a native alias would follow it without polling. Undefined otherwise.
 */
export function aliasHint(target: string): string | undefined {
  const name = normalizeName(target);
  const form = ALIAS_FORMS.find(({ pattern }) => pattern.test(name));
  if (form === undefined) return undefined;
  return `${name} is ${form.what}: an Azure DNS alias record set pointing at the resource would follow its addresses natively and never go stale`;
}
