import { pino } from 'pino';
import { providerSession, type ProviderSession } from '../support/provider-session.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/cloudflare/index.js';
import { cloudflareSettings } from '../../providers/cloudflare/settings.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';

/**
 * Zone discovery at scale, through the real SDK against the wire-level fake: one listing of the
 * account's zones (50 per page) shared by every concurrent findZone, matched locally by longest
 * suffix; lookups by name only where listing is refused or would cost more calls. Call counts are
 * asserted at the fake.
 */
const TOKEN = 'cf-zones-test-token-7c3d1a';
let fake: CloudflareFake;

function provider(): ProviderSession {
  return providerSession(
    createProvider(cloudflareSettings.parse({ type: 'cloudflare', apiToken: TOKEN, baseUrl: fake.baseUrl }), { id: 'cf', logger: pino({ level: 'silent' }) }),
    'read',
  );
}

/** The zone calls made, as `path?name=…&page=…` (ignoring per_page, asserted separately). */
function zoneCalls(): string[] {
  return fake.requests
    .filter((r) => r.path === '/zones')
    .map((r) => {
      const params = ['name', 'page'].filter((p) => r.query.has(p)).map((p) => `${p}=${r.query.get(p)}`);
      return params.length > 0 ? `/zones?${params.join('&')}` : '/zones';
    });
}

beforeAll(async () => {
  fake = await CloudflareFake.start({ token: TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.zones.length = 0;
  fake.zoneListing = 'allowed';
  fake.rateLimitNext(0);
  fake.resetCounts();
});

describe('zone discovery by listing', () => {
  it('finds the zones of 200 names in 3 zones with one listing call (it was 201 lookups by name), and reads with the listed ids', async () => {
    for (const zone of ['example.com', 'sub.example.com', 'example.org']) fake.addZone(zone);
    const names = [
      ...Array.from({ length: 80 }, (_, i) => `h${i}.example.com`),
      ...Array.from({ length: 60 }, (_, i) => `h${i}.sub.example.com`),
      ...Array.from({ length: 59 }, (_, i) => `a.h${i}.example.org`),
      'example.org',
    ];
    expect(new Set(names).size).toBe(200);
    const cf = provider();
    const zones = await Promise.all(names.map((name) => cf.findZone(name)));
    expect(zones.filter((z) => z === 'example.com')).toHaveLength(80);
    expect(zones.filter((z) => z === 'sub.example.com')).toHaveLength(60);
    expect(zones.filter((z) => z === 'example.org')).toHaveLength(60);
    // 3 zones fit one page of 50: the short page ends the listing, without the SDK's empty-page call
    expect(zoneCalls()).toEqual(['/zones']);
    expect(fake.requests[0]!.query.get('per_page')).toBe('50');
    expect(fake.counts.GET).toBe(1);

    // one read per zone, each zone's id from the listing: no further zone call
    for (const zone of ['example.com', 'sub.example.com', 'example.org']) {
      const read = await cf.read(
        zone,
        names.filter((_, i) => zones[i] === zone),
      );
      expect(read.size).toBe(zones.filter((z) => z === zone).length);
    }
    expect(zoneCalls()).toEqual(['/zones']);
    expect(fake.counts.GET).toBe(4);
  });

  it('pages through the listing 50 at a time and stops at the last page from result_info', async () => {
    for (let i = 0; i < 120; i++) fake.addZone(`z${i}.test`);
    fake.addZone('deep.z119.test');
    const cf = provider();
    const found = await Promise.all(['www.z0.test', 'www.z60.test', 'a.deep.z119.test', 'z119.test', 'x.y.z100.test'].map((name) => cf.findZone(name)));
    expect(found).toEqual(['z0.test', 'z60.test', 'deep.z119.test', 'z119.test', 'z100.test']);
    // 121 zones: 50 + 50 + 21; the third page is short, so no fourth (empty) page is asked for
    expect(zoneCalls()).toEqual(['/zones', '/zones?page=2', '/zones?page=3']);
    expect(fake.requests.map((r) => r.query.get('per_page'))).toEqual(['50', '50', '50']);
  });

  it('stops after a full last page when result_info says it is the last', async () => {
    for (let i = 0; i < 100; i++) fake.addZone(`z${i}.test`);
    const cf = provider();
    expect(await Promise.all([cf.findZone('www.z99.test'), cf.findZone('www.z1.test'), cf.findZone('z50.test')])).toEqual(['z99.test', 'z1.test', 'z50.test']);
    expect(zoneCalls()).toEqual(['/zones', '/zones?page=2']);
  });

  it('looks a few names up by name when the listing would cost more calls (an account with 400 zones)', async () => {
    for (let i = 0; i < 400; i++) fake.addZone(`z${i}.test`);
    const cf = provider();
    expect(await cf.findZone('www.z399.test')).toBe('z399.test');
    // page 1 says 7 more pages; 2 lookups by name cost less
    expect(zoneCalls()).toEqual(['/zones', '/zones?name=www.z399.test', '/zones?name=z399.test']);
    await cf.read('z399.test', ['www.z399.test']);
    expect(await cf.findZone('api.z399.test')).toBe('z399.test');
    expect(zoneCalls()).toEqual(['/zones', '/zones?name=www.z399.test', '/zones?name=z399.test', '/zones?name=api.z399.test']);
  });

  it('falls back to lookups by name when the token may not list zones (403), and does not list again', async () => {
    fake.addZone('example.com');
    fake.zoneListing = 'forbidden';
    const cf = provider();
    expect(await Promise.all([cf.findZone('www.example.com'), cf.findZone('example.com')])).toEqual(['example.com', 'example.com']);
    expect(zoneCalls().sort()).toEqual(['/zones', '/zones?name=example.com', '/zones?name=www.example.com']);
    expect(fake.authFailures).toBe(1);
    expect(await cf.findZone('api.example.com')).toBe('example.com');
    expect(zoneCalls()).toHaveLength(4);
    expect(zoneCalls()[3]).toBe('/zones?name=api.example.com');
  });

  it('shares a failed listing between concurrent lookups (one 429 for all), and lists again on the next call', async () => {
    fake.addZone('example.com');
    fake.rateLimitNext(1, 300);
    const cf = provider();
    const results = await Promise.allSettled(['example.com', 'www.example.com', 'api.example.com'].map((name) => cf.findZone(name)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'ProviderError', kind: 'rate-limit' });
    expect(fake.rateLimited).toBe(1);
    expect(fake.counts.GET).toBe(1);
    expect(await cf.findZone('www.example.com')).toBe('example.com');
    expect(zoneCalls()).toEqual(['/zones', '/zones']);
  });

  it('prefers the active zone when a name is listed twice', async () => {
    fake.addZone('example.com', 'pending');
    const active = fake.addZone('example.com');
    fake.addZone('example.com', 'moved');
    const cf = provider();
    expect(await cf.findZone('www.example.com')).toBe('example.com');
    await cf.read('example.com', ['www.example.com']);
    expect(fake.requests.at(-1)!.path).toBe(`/zones/${active.id}/dns_records`);
  });
});
