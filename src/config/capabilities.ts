import type { ProviderCapabilities } from '../../providers/index.js';
import type { Family } from '../model.js';
import type { TtlPolicy } from './types.js';

/** Where a record's TTL policy came from: its own field, `defaults.ttl`, or the built-in default. */
export type TtlSource = 'record' | 'defaults' | 'built-in';

/**
 * The record's TTL policy as its provider can hold it, or the problem. A configured TTL the
 * provider cannot store is refused at load (not at the first write); the built-in default range is
 * narrowed to what the provider accepts. The provider's `automatic` value rides along so the planner
 * never counts it as churn.
 */
export function ttlForProvider(policy: TtlPolicy, source: TtlSource, capabilities: ProviderCapabilities, field: string, providerId: string): TtlPolicy | string {
  const { min, max, automatic } = capabilities.ttl;
  const accepts = `${min}–${max}${automatic !== undefined ? ` (or ${automatic} = automatic)` : ''}`;
  const holds = (ttl: number): boolean => ttl === automatic || (ttl >= min && ttl <= max);
  const extra = automatic !== undefined ? { automatic } : {};
  if (policy.kind === 'fixed') {
    if (!holds(policy.ttl)) return `${field}: provider ${providerId} cannot hold TTL ${policy.ttl}; it accepts ${accepts}`;
    return { ...policy, ...extra };
  }
  if (source === 'built-in') {
    return { kind: 'range', min: Math.min(Math.max(policy.min, min), max), max: Math.max(Math.min(policy.max, max), min), ...extra };
  }
  const outside = [policy.min, policy.max].filter((ttl) => ttl < min || ttl > max);
  if (outside.length > 0) return `${field}: provider ${providerId} cannot hold TTL ${outside.join(' or ')}; it accepts ${accepts}`;
  return { ...policy, ...extra };
}

/** The configured families the provider cannot write, as a problem, or undefined. */
export function unsupportedFamilies(families: readonly Family[], capabilities: ProviderCapabilities, field: string, providerId: string): string | undefined {
  const missing = families.filter((family) => !capabilities.recordTypes.includes(family));
  return missing.length === 0 ? undefined : `${field}: provider ${providerId} cannot write ${missing.join(', ')} records`;
}
