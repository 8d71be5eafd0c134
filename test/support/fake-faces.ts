/**
 * The state of the Route 53 and Cloudflare fakes as their name servers would serve it, for a
 * DnsFace (dns-face.ts): what a test's SDK calls wrote becomes visible over DNS, after the face's
 * propagation delay.
 */
import type { CloudflareFake } from './cloudflare-fake.js';
import type { FaceRecordSet, FaceState } from './dns-face.js';
import type { Route53Fake } from './route53-fake.js';

type Family = 'A' | 'AAAA';

function bare(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function add(state: Map<string, Partial<Record<Family, FaceRecordSet>>>, name: string, family: Family, ttl: number, values: readonly string[]): void {
  const sets = state.get(name) ?? {};
  const previous = sets[family];
  state.set(name, { ...sets, [family]: { ttl: Math.min(ttl, previous?.ttl ?? ttl), values: [...(previous?.values ?? []), ...values] } });
}

/** Simple (non-alias, non-weighted) A/AAAA sets of a hosted zone. */
export function route53State(fake: Route53Fake, zoneId: string): () => FaceState {
  return () => {
    const state = new Map<string, Partial<Record<Family, FaceRecordSet>>>();
    for (const set of fake.recordSets(zoneId)) {
      if ((set.type !== 'A' && set.type !== 'AAAA') || set.aliasTarget !== undefined || set.setIdentifier !== undefined) continue;
      add(state, bare(set.name), set.type, set.ttl ?? 300, set.values ?? []);
    }
    return state;
  };
}

/** A/AAAA records of a zone, unproxied; TTL 1 ("automatic") is served as 300, as Cloudflare does. */
export function cloudflareState(fake: CloudflareFake, zoneName: string): () => FaceState {
  return () => {
    const state = new Map<string, Partial<Record<Family, FaceRecordSet>>>();
    for (const record of fake.records(zoneName)) {
      if ((record.type !== 'A' && record.type !== 'AAAA') || record.proxied) continue;
      add(state, bare(record.name), record.type, record.ttl === 1 ? 300 : record.ttl, [record.content]);
    }
    return state;
  };
}
