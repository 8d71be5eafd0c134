import { describe, expect, it } from 'vitest';
import { parseSvcbPresentation } from '../../src/dns/svcb.js';
import type { RecordSets } from '../../src/model.js';
import { planRecord } from '../../src/plan/index.js';
import type { PlanInput } from '../../src/plan/types.js';
import type { FamilyResolution, HttpsResolution } from '../../src/resolve/types.js';

const record: PlanInput['record'] = {
  name: 'example.com',
  target: 'edge.cdn.test',
  families: ['A', 'AAAA'],
  ttl: { kind: 'range', min: 60, max: 3600 },
  maxAddresses: 8,
  allowSpecialAddresses: false,
  allowEmpty: false,
  https: 'mirror',
};
const a = (...addresses: string[]): FamilyResolution => ({ kind: 'addresses', family: 'A', addresses, ttl: 300, chain: [] });
const aaaa = (...addresses: string[]): FamilyResolution => ({ kind: 'addresses', family: 'AAAA', addresses, ttl: 300, chain: [] });
const https = (ttl: number, ...texts: string[]): HttpsResolution => ({ kind: 'records', family: 'HTTPS', records: texts.map(parseSvcbPresentation), ttl, chain: [] });
const ECH = 'AEX+DQBBpQAgACB/bfoHyjM0eaqF';

function plan(over: Partial<PlanInput> & { current?: RecordSets }) {
  return planRecord({ record, resolved: { A: a('93.184.216.34'), AAAA: aaaa('2606:2800:220:1::1') }, current: {}, ...over });
}
const httpsDecision = (p: ReturnType<typeof plan>) => p.decisions.find((d) => d.family === 'HTTPS');

describe('HTTPS mirror', () => {
  it('publishes ServiceMode records for the owner with the hints of the addresses published here', () => {
    const p = plan({ resolvedHttps: https(120, `1 . alpn="h3,h2" ipv4hint=198.51.100.9 ipv6hint=2001:db8::9 ech=${ECH}`) });
    expect(httpsDecision(p)).toEqual({
      family: 'HTTPS',
      kind: 'change',
      change: {
        action: 'create',
        name: 'example.com',
        family: 'HTTPS',
        before: null,
        after: { ttl: 120, values: [`1 . alpn="h3,h2" ipv4hint=93.184.216.34 ech=${ECH} ipv6hint=2606:2800:220:1::1`] },
      },
    });
  });

  it('drops the hint of a family the name does not hold, and copies other records as they are', () => {
    const p = plan({
      record: { ...record, families: ['A'] },
      resolved: { A: a('93.184.216.34') },
      resolvedHttps: https(300, '1 . alpn=h2 ipv6hint=2001:db8::9', '2 alt.cdn.test. alpn=h2 ipv4hint=198.51.100.1'),
    });
    const decision = httpsDecision(p);
    expect(decision?.kind === 'change' && decision.change.after?.values).toEqual(['1 . alpn="h2" ipv4hint=93.184.216.34', '2 alt.cdn.test. alpn="h2" ipv4hint=198.51.100.1']);
  });

  it('copies an AliasMode record', () => {
    const decision = httpsDecision(plan({ resolvedHttps: https(300, '0 pool.cdn.test.') }));
    expect(decision?.kind === 'change' && decision.change.after?.values).toEqual(['0 pool.cdn.test.']);
  });

  it('writes nothing when the published RRset is the same records (order, quoting and hint order aside) and the TTL is in range', () => {
    const current: RecordSets = {
      A: { ttl: 300, values: ['93.184.216.34'] },
      AAAA: { ttl: 300, values: ['2606:2800:220:1::1'] },
      HTTPS: { ttl: 900, values: ['1 . alpn="h3,h2" ipv4hint=93.184.216.34 ipv6hint=2606:2800:220:1::1'] },
    };
    const p = plan({ current, resolvedHttps: https(60, '1 . ipv6hint=2001:db8::1 alpn=h3,h2') });
    expect(p.changes).toEqual([]);
  });

  it('a changed ech at the target is an update', () => {
    const current: RecordSets = {
      A: { ttl: 300, values: ['93.184.216.34'] },
      AAAA: { ttl: 300, values: ['2606:2800:220:1::1'] },
      HTTPS: { ttl: 300, values: ['1 . alpn="h2" ipv4hint=93.184.216.34 ech=AAAA ipv6hint=2606:2800:220:1::1'] },
    };
    const decision = httpsDecision(plan({ current, resolvedHttps: https(300, '1 . alpn=h2 ech=BBBB') }));
    expect(decision).toMatchObject({
      kind: 'change',
      change: { action: 'update', after: { values: ['1 . alpn="h2" ipv4hint=93.184.216.34 ech=BBBB ipv6hint=2606:2800:220:1::1'] } },
    });
  });

  it("the target dropping its HTTPS RRset deletes the name's, but only while addresses are published", () => {
    const current: RecordSets = { A: { ttl: 300, values: ['93.184.216.34'] }, HTTPS: { ttl: 300, values: ['1 . alpn="h2"'] } };
    const empty: HttpsResolution = { kind: 'empty', family: 'HTTPS', reason: 'NODATA', chain: [] };
    expect(httpsDecision(plan({ current, resolvedHttps: empty }))).toMatchObject({ kind: 'change', change: { action: 'delete', family: 'HTTPS', after: null } });
    const dark = plan({
      current,
      resolvedHttps: empty,
      resolved: { A: { kind: 'failure', family: 'A', reason: 'SERVFAIL', cause: 'servfail', chain: [] }, AAAA: { kind: 'empty', family: 'AAAA', reason: 'NODATA', chain: [] } },
    });
    // The A family failed: its current addresses stay published, so the stale HTTPS still goes.
    expect(httpsDecision(dark)).toMatchObject({ kind: 'change', change: { action: 'delete' } });
    const nothing = plan({
      current: { HTTPS: current.HTTPS! },
      resolvedHttps: empty,
      resolved: { A: { kind: 'empty', family: 'A', reason: 'NXDOMAIN', chain: [] }, AAAA: { kind: 'empty', family: 'AAAA', reason: 'NXDOMAIN', chain: [] } },
    });
    expect(httpsDecision(nothing)).toMatchObject({ kind: 'failed', cause: 'empty' });
    expect(nothing.changes).toEqual([]);
  });

  it("a failed lookup leaves the name's HTTPS RRset and fails the record", () => {
    const current: RecordSets = { HTTPS: { ttl: 300, values: ['1 . alpn="h2"'] } };
    const p = plan({ current, resolvedHttps: { kind: 'failure', family: 'HTTPS', reason: 'malformed HTTPS data from 127.0.0.1', cause: 'malformed', chain: [] } });
    expect(httpsDecision(p)).toEqual({ family: 'HTTPS', kind: 'failed', cause: 'malformed', reason: 'malformed HTTPS data from 127.0.0.1' });
    expect(p.changes.filter((c) => c.family === 'HTTPS')).toEqual([]);
    expect(p.failed).toBe(true);
  });
});

describe('HTTPS alias', () => {
  it('publishes 0 target. once and keeps it', () => {
    const p = plan({ record: { ...record, https: 'alias' } });
    expect(httpsDecision(p)).toMatchObject({ kind: 'change', change: { action: 'create', after: { ttl: 3600, values: ['0 edge.cdn.test.'] } } });
    const again = plan({
      record: { ...record, https: 'alias' },
      current: { A: { ttl: 300, values: ['93.184.216.34'] }, AAAA: { ttl: 300, values: ['2606:2800:220:1::1'] }, HTTPS: { ttl: 3600, values: ['0 edge.cdn.test.'] } },
    });
    expect(again.changes).toEqual([]);
  });
});
