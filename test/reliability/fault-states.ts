import type { TestDnsServer } from '../support/dns-server.js';
import { published, type Published } from '../support/faults/published.js';

/**
 * The two states of every fault-matrix case: what the provider publishes before the round (OLD)
 * and what the target resolves to (NEW). Different addresses and TTL in both families, so a
 * half-applied write (one family, one name) cannot pass for either.
 */
export const OLD_STATE: Published = published({ ttl: 300, values: ['45.60.10.1', '45.60.10.2'] }, { ttl: 300, values: ['2a00:1450:4010::1'] });
export const NEW_STATE: Published = published({ ttl: 120, values: ['93.184.216.34', '93.184.216.35'] }, { ttl: 120, values: ['2606:2800:220:1:248:1893:25c8:1946'] });

export function setTarget(dns: TestDnsServer, target: string, state: Published): void {
  dns.setAddresses(target, 'A', state.A?.values ?? [], state.A?.ttl);
  dns.setAddresses(target, 'AAAA', state.AAAA?.values ?? [], state.AAAA?.ttl);
}
