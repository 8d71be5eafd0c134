/**
 * The classification of docs/design/resolution.md (addresses | empty | failure), proved through the real wire
 * against the in-process test DNS server: CNAME chains, TTLs, limits, rcodes, odd answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, MAX_CNAME_HOPS, traceResolve, type FamilyResolution, type ResolverSettings } from '../../src/resolve/index.js';
import { parseServerAddress } from '../../src/dns/server-address.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

let server: TestDnsServer;

beforeAll(async () => {
  server = await startTestDnsServer();
});

afterAll(async () => {
  await server.close();
});

function settingsFor(servers: readonly TestDnsServer[], overrides: Partial<ResolverSettings> = {}): ResolverSettings {
  return { servers: servers.map((s) => parseServerAddress(s.address)!), timeoutMs: 1000, attempts: 2, ...overrides };
}

/** A linear chain prefix-0 → prefix-1 → … → prefix-hops, with an A record at the end. */
function buildChain(prefix: string, hops: number, follow: boolean): string {
  for (let i = 0; i < hops; i++) server.setCname(`${prefix}-${i}.test`, `${prefix}-${i + 1}.test`, 600 - i, { follow });
  server.setAddresses(`${prefix}-${hops}.test`, 'A', ['192.0.2.77'], 900);
  return `${prefix}-0.test`;
}

describe('addresses', () => {
  it.each([
    {
      case: 'IPv4: de-duplicated, sorted numerically',
      family: 'A' as const,
      published: ['192.0.2.10', '192.0.2.9', '192.0.2.10', '192.0.2.100'],
      expected: ['192.0.2.9', '192.0.2.10', '192.0.2.100'],
    },
    {
      case: 'IPv6: RFC 5952 text, de-duplicated, sorted numerically',
      family: 'AAAA' as const,
      published: ['2001:DB8:0:0:0:0:0:10', '2001:db8::10', '2001:0db8::9', '2001:db8:0:0:1:0:0:1'],
      expected: ['2001:db8::9', '2001:db8::10', '2001:db8::1:0:0:1'],
    },
    {
      case: 'IPv4-mapped AAAA is kept (as ::ffff:a.b.c.d) so the planner can refuse it',
      family: 'AAAA' as const,
      published: ['::ffff:192.0.2.1'],
      expected: ['::ffff:192.0.2.1'],
    },
  ])('$case', async ({ family, published, expected }) => {
    const name = `set-${family.toLowerCase()}-${published.length}-${expected.length}.test`;
    server.setAddresses(name, family, published, 240);
    const result = await createResolver(settingsFor([server])).resolve(name, family);
    expect(result).toEqual({ kind: 'addresses', family, addresses: expected, ttl: 240, chain: [] });
  });

  it('a zero TTL is observed as zero', async () => {
    server.setAddresses('zero-ttl.test', 'A', ['192.0.2.5'], 0);
    server.setCname('zero-cname.test', 'plain-ttl.test', 0);
    server.setAddresses('plain-ttl.test', 'A', ['192.0.2.6'], 300);
    const resolver = createResolver(settingsFor([server]));
    expect(await resolver.resolve('zero-ttl.test', 'A')).toMatchObject({ kind: 'addresses', ttl: 0 });
    expect(await resolver.resolve('zero-cname.test', 'A')).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.6'], ttl: 0 });
  });

  it('accepts the target with a trailing dot and in any case', async () => {
    server.setAddresses('Case.Target.test', 'A', ['192.0.2.8']);
    const result = await createResolver(settingsFor([server])).resolve('CASE.target.TEST.', 'A');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.8'] });
  });
});

describe('empty', () => {
  it('NXDOMAIN for a name that does not exist', async () => {
    const result = await createResolver(settingsFor([server])).resolve('does-not-exist.test', 'A');
    expect(result).toEqual({ kind: 'empty', family: 'A', reason: 'NXDOMAIN', chain: [] });
  });

  it('NODATA for a name without addresses of the family, and after the set is removed', async () => {
    server.setAddresses('v4-only.test', 'A', ['192.0.2.1']);
    const resolver = createResolver(settingsFor([server]));
    expect(await resolver.resolve('v4-only.test', 'AAAA')).toEqual({ kind: 'empty', family: 'AAAA', reason: 'NODATA', chain: [] });
    server.setAddresses('v4-only.test', 'A', []);
    expect(await resolver.resolve('v4-only.test', 'A')).toEqual({ kind: 'empty', family: 'A', reason: 'NODATA', chain: [] });
    server.remove('v4-only.test');
    expect(await resolver.resolve('v4-only.test', 'A')).toMatchObject({ kind: 'empty', reason: 'NXDOMAIN' });
  });

  it('NXDOMAIN at the end of a chain keeps the chain (answered in one message)', async () => {
    server.setCname('to-nowhere.test', 'nowhere.test', 120);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve('to-nowhere.test', 'A');
    expect(result).toEqual({ kind: 'empty', family: 'A', reason: 'NXDOMAIN', chain: [{ name: 'to-nowhere.test', cname: 'nowhere.test', ttl: 120 }] });
    expect(server.queries).toHaveLength(1);
  });

  it('NODATA at the end of a chain found by asking again', async () => {
    server.setCname('to-v6-only.test', 'v6-only.test', 120, { follow: false });
    server.setAddresses('v6-only.test', 'AAAA', ['2001:db8::1']);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve('to-v6-only.test', 'A');
    expect(result).toEqual({ kind: 'empty', family: 'A', reason: 'NODATA', chain: [{ name: 'to-v6-only.test', cname: 'v6-only.test', ttl: 120 }] });
    expect(server.queries.map((q) => q.name)).toEqual(['to-v6-only.test', 'v6-only.test']);
  });
});

describe('CNAME chains', () => {
  it('follows a chain inside one answer; TTL is the minimum of every CNAME and address', async () => {
    server.setCname('www.chain.test', 'edge.chain.test', 120);
    server.setCname('edge.chain.test', 'lb.chain.test', 30);
    server.setAddresses('lb.chain.test', 'A', ['192.0.2.2', '192.0.2.1'], 300);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve('www.chain.test', 'A');
    expect(result).toEqual({
      kind: 'addresses',
      family: 'A',
      addresses: ['192.0.2.1', '192.0.2.2'],
      ttl: 30,
      chain: [
        { name: 'www.chain.test', cname: 'edge.chain.test', ttl: 120 },
        { name: 'edge.chain.test', cname: 'lb.chain.test', ttl: 30 },
      ],
    });
    expect(server.queries).toHaveLength(1);
  });

  it('the address TTL wins when it is the smallest', async () => {
    server.setCname('short.chain.test', 'short-lb.chain.test', 600);
    server.setAddresses('short-lb.chain.test', 'AAAA', ['2001:db8::5'], 20);
    const result = await createResolver(settingsFor([server])).resolve('short.chain.test', 'AAAA');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['2001:db8::5'], ttl: 20 });
  });

  it('asks again for the last name when an answer ends on a CNAME', async () => {
    server.setCname('www.split.test', 'cdn.split.test', 300, { follow: false });
    server.setCname('cdn.split.test', 'lb.split.test', 60);
    server.setAddresses('lb.split.test', 'A', ['192.0.2.3'], 100);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve('www.split.test', 'A');
    expect(result).toEqual({
      kind: 'addresses',
      family: 'A',
      addresses: ['192.0.2.3'],
      ttl: 60,
      chain: [
        { name: 'www.split.test', cname: 'cdn.split.test', ttl: 300 },
        { name: 'cdn.split.test', cname: 'lb.split.test', ttl: 60 },
      ],
    });
    expect(server.queries.map((q) => q.name)).toEqual(['www.split.test', 'cdn.split.test']);
  });

  it('follows mixed-case owners and targets case-insensitively', async () => {
    server.setCname('WWW.Mixed.Test', 'Edge.MIXED.test', 200);
    server.setAddresses('EDGE.mixed.TEST', 'A', ['192.0.2.4'], 300);
    const result = await createResolver(settingsFor([server])).resolve('www.mixed.test', 'A');
    expect(result).toEqual({
      kind: 'addresses',
      family: 'A',
      addresses: ['192.0.2.4'],
      ttl: 200,
      chain: [{ name: 'www.mixed.test', cname: 'edge.mixed.test', ttl: 200 }],
    });
  });

  it('accepts an answer whose question and records are all upper case', async () => {
    server.setCname('loud.test', 'loud-lb.test', 200);
    server.setAddresses('loud-lb.test', 'A', ['192.0.2.44'], 300);
    server.setBehaviour('loud.test', 'upper-case-answers');
    const result = await createResolver(settingsFor([server])).resolve('loud.test', 'A');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.44'], chain: [{ name: 'loud.test', cname: 'loud-lb.test', ttl: 200 }] });
  });

  // The limit counts CNAME records: a chain of exactly MAX_CNAME_HOPS (16) resolves, 17 fails.
  it.each([
    { hops: MAX_CNAME_HOPS, follow: true, expectedQueries: 1 },
    { hops: MAX_CNAME_HOPS, follow: false, expectedQueries: MAX_CNAME_HOPS + 1 },
  ])('a chain of $hops hops resolves (server follows: $follow)', async ({ hops, follow, expectedQueries }) => {
    const target = buildChain(`ok${hops}${follow ? 'f' : 'n'}`, hops, follow);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve(target, 'A');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.77'], ttl: 600 - (hops - 1) });
    expect(result.chain).toHaveLength(hops);
    expect(server.queries).toHaveLength(expectedQueries);
  });

  it.each([
    { follow: true, expectedQueries: 1 },
    { follow: false, expectedQueries: MAX_CNAME_HOPS + 1 },
  ])('a chain of 17 hops is a failure (server follows: $follow)', async ({ follow, expectedQueries }) => {
    const prefix = `long${follow ? 'f' : 'n'}`;
    const target = buildChain(prefix, MAX_CNAME_HOPS + 1, follow);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve(target, 'A');
    expect(result).toMatchObject({ kind: 'failure', reason: `CNAME chain longer than 16 hops (stopped at ${prefix}-16.test)`, cause: 'chain' });
    expect(result.chain).toHaveLength(MAX_CNAME_HOPS);
    expect(server.queries).toHaveLength(expectedQueries);
  });

  it.each([
    { follow: true, expectedQueries: 1 },
    { follow: false, expectedQueries: 2 },
  ])('a CNAME loop is a failure that names the loop (server follows: $follow)', async ({ follow, expectedQueries }) => {
    const a = `loop-a-${follow}.test`;
    const b = `loop-b-${follow}.test`;
    server.setCname(a, b, 60, { follow });
    server.setCname(b, a, 60, { follow });
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve(a, 'AAAA');
    expect(result).toEqual({
      kind: 'failure',
      family: 'AAAA',
      reason: `CNAME loop: ${a} → ${b} → ${a}`,
      cause: 'chain',
      chain: [
        { name: a, cname: b, ttl: 60 },
        { name: b, cname: a, ttl: 60 },
      ],
    });
    expect(server.queries).toHaveLength(expectedQueries);
  });

  it('ignores records for names outside the chain', async () => {
    server.setCname('guarded.test', 'guarded-lb.test', 300);
    server.setAddresses('guarded-lb.test', 'A', ['192.0.2.30'], 300);
    server.setBehaviour('guarded.test', 'other-name-answers');
    server.setAddresses('guarded-nodata.test', 'AAAA', ['2001:db8::30']);
    server.setBehaviour('guarded-nodata.test', 'other-name-answers');
    const resolver = createResolver(settingsFor([server]));
    expect(await resolver.resolve('guarded.test', 'A')).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.30'] });
    expect(await resolver.resolve('guarded-nodata.test', 'A')).toEqual({ kind: 'empty', family: 'A', reason: 'NODATA', chain: [] });
  });

  it('a failure while asking for the end of the chain keeps the chain and says where', async () => {
    server.setCname('to-broken.test', 'broken.test', 300, { follow: false });
    server.setBehaviour('broken.test', 'servfail');
    const result = await createResolver(settingsFor([server])).resolve('to-broken.test', 'A');
    expect(result).toEqual({
      kind: 'failure',
      family: 'A',
      reason: `SERVFAIL from ${server.address} (asking for broken.test, end of the CNAME chain so far)`,
      cause: 'servfail',
      chain: [{ name: 'to-broken.test', cname: 'broken.test', ttl: 300 }],
    });
  });
});

describe('failure', () => {
  it.each([
    { behaviour: 'servfail' as const, rcode: 'SERVFAIL', cause: 'servfail' },
    { behaviour: 'refused' as const, rcode: 'REFUSED', cause: 'refused' },
    { behaviour: 'formerr' as const, rcode: 'FORMERR', cause: 'error' },
    { behaviour: 'notimp' as const, rcode: 'NOTIMP', cause: 'error' },
    { behaviour: 'no-question-formerr' as const, rcode: 'FORMERR', cause: 'error' },
    { behaviour: { rcode: 9 }, rcode: 'NOTAUTH', cause: 'error' },
    { behaviour: { rcode: 16 }, rcode: 'BADVERS', cause: 'error' },
  ])('$rcode ($behaviour) is a failure ($cause), asked once', async ({ behaviour, rcode, cause }) => {
    const name = `rcode-${JSON.stringify(behaviour).replace(/[^a-z0-9]/g, '')}.test`;
    server.setAddresses(name, 'A', ['192.0.2.1']);
    server.setBehaviour(name, behaviour);
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve(name, 'A');
    expect(result).toEqual({ kind: 'failure', family: 'A', reason: `${rcode} from ${server.address}`, cause, chain: [] });
    expect(server.queries).toHaveLength(1);
  });

  it.each([
    { family: 'A' as const, detail: 'A record with 5 bytes of data (expected 4)' },
    { family: 'AAAA' as const, detail: 'AAAA record with 17 bytes of data (expected 16)' },
  ])('an $family record with bad rdata is a failure, not a dropped record', async ({ family, detail }) => {
    const name = `bad-rdata-${family.toLowerCase()}.test`;
    server.setBehaviour(name, 'bad-rdata');
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve(name, family);
    expect(result).toEqual({ kind: 'failure', family, reason: `malformed answer: ${detail} from ${server.address}`, cause: 'malformed', chain: [] });
    expect(server.queries).toHaveLength(1);
  });

  it('a target that is not a hostname fails without a query', async () => {
    server.resetQueries();
    const result = await createResolver(settingsFor([server])).resolve('not a host!', 'A');
    expect(result).toEqual({ kind: 'failure', family: 'A', reason: 'not a hostname: not a host!', cause: 'error', chain: [] });
    expect(server.queries).toHaveLength(0);
  });
});

describe('traceResolve (data for `apexsync resolve`)', () => {
  it('gives both families with their chains, for every kind of result', async () => {
    server.setCname('trace.test', 'trace-lb.test', 90);
    server.setAddresses('trace-lb.test', 'A', ['192.0.2.90'], 300);
    const trace = await traceResolve(settingsFor([server]), 'trace.test');
    const link = { name: 'trace.test', cname: 'trace-lb.test', ttl: 90 };
    expect(trace.A).toEqual({ kind: 'addresses', family: 'A', addresses: ['192.0.2.90'], ttl: 90, chain: [link] });
    expect(trace.AAAA).toEqual({ kind: 'empty', family: 'AAAA', reason: 'NODATA', chain: [link] });

    server.setBehaviour('trace-lb.test', 'refused');
    server.setCname('trace.test', 'trace-lb.test', 90, { follow: false });
    const failed = await traceResolve(settingsFor([server]), 'trace.test');
    for (const family of ['A', 'AAAA'] as const) {
      const result: FamilyResolution = failed[family];
      expect(result).toMatchObject({ kind: 'failure', family, chain: [link] });
    }
  });
});
