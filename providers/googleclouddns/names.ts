import { normalizeName } from '../../src/lib/names.js';

/** Cloud DNS spells names fully qualified, with the trailing dot. */
export function toCloudDnsName(name: string): string {
  return `${name}.`;
}

export function fromCloudDnsName(name: string): string {
  return normalizeName(name);
}
