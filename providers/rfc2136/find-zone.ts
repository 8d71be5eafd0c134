import { isInZone } from '../../src/lib/names.js';
import { ProviderError } from '../types.js';
import { serverLabel, type Endpoint } from './client.js';
import { RCODE } from '../../src/dns/rcode.js';
import { queryPrimary } from './query.js';

/**
 * The zone that holds `name`, asked of the primary itself: an SOA query at the name, then at each
 * parent, until the server answers authoritatively with an SOA that owns or encloses the name
 * (the SOA of the name's zone is in the answer at the apex, in the authority section below it).
 * An SOA of another zone (reached through a CNAME) does not count.
 */
export async function findZoneBySoa(endpoint: Endpoint, name: string): Promise<string> {
  let candidate = name;
  for (;;) {
    const { header, response } = await queryPrimary(endpoint, candidate, 'SOA');
    if (header.authoritative && (header.rcode === RCODE.NOERROR || header.rcode === RCODE.NXDOMAIN)) {
      const zone = response.soaOwners.find((owner) => isInZone(name, owner));
      if (zone !== undefined) return zone;
    }
    const dot = candidate.indexOf('.');
    if (dot < 0) {
      throw new ProviderError('rejected', `${serverLabel(endpoint)} is not authoritative for any zone that holds ${name} (no SOA found at the name or above it)`);
    }
    candidate = candidate.slice(dot + 1);
  }
}
