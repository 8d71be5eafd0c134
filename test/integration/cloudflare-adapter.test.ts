import { Writable } from 'node:stream';
import { providerSession, type ProviderSession } from '../support/provider-session.js';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Change, RecordSet } from '../../src/model.js';
import { createProvider } from '../../providers/cloudflare/index.js';
import { cloudflareSettings } from '../../providers/cloudflare/settings.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';

/**
 * The Cloudflare adapter through the real SDK against the wire-level fake: zone discovery,
 * reads in the fewest calls, batches that recycle record ids, the one-by-one fallback, rate
 * limits, refusals and unknown outcomes. Call counts are asserted at the fake.
 */
const TOKEN = 'cf-adapter-test-token-5f1e2d';
let fake: CloudflareFake;
let logText = '';
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString();
      done();
    },
  }),
);

function provider(extra: Record<string, unknown> = {}): ProviderSession {
  const settings = cloudflareSettings.parse({ type: 'cloudflare', apiToken: TOKEN, baseUrl: fake.baseUrl, ...extra });
  return providerSession(createProvider(settings, { id: 'cf', logger }), 'read');
}

const set = (ttl: number, ...values: string[]): RecordSet => ({ ttl, values });
const update = (name: string, family: 'A' | 'AAAA', before: RecordSet, after: RecordSet): Change => ({ action: 'update', name, family, before, after });
const create = (name: string, family: 'A' | 'AAAA', after: RecordSet): Change => ({ action: 'create', name, family, before: null, after });
const remove = (name: string, family: 'A' | 'AAAA', before: RecordSet): Change => ({ action: 'delete', name, family, before, after: null });

beforeAll(async () => {
  fake = await CloudflareFake.start({ token: TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.zones.length = 0;
  fake.batchEnabled = true;
  fake.tokenScope = 'edit';
  fake.beforeHandle = undefined;
  fake.afterWrite = undefined;
  fake.addZone('example.com');
  fake.resetCounts();
});

describe('zone discovery', () => {
  it("finds the longest matching zone with one listing of the account's zones, shared by concurrent lookups", async () => {
    fake.addZone('sub.example.com');
    const cf = provider();
    const zones = await Promise.all([cf.findZone('www.sub.example.com'), cf.findZone('api.sub.example.com'), cf.findZone('example.com'), cf.findZone('sub.example.com')]);
    expect(zones).toEqual(['sub.example.com', 'sub.example.com', 'example.com', 'sub.example.com']);
    // one unfiltered page of 50: no lookup by name, no extra empty page
    expect(fake.requests.map((r) => [r.path, r.query.get('name'), r.query.get('per_page')])).toEqual([['/zones', null, '50']]);
    await cf.findZone('www.sub.example.com');
    // the zone ids come from the same listing
    await cf.read('sub.example.com', ['www.sub.example.com']);
    await cf.read('example.com', ['example.com']);
    expect(fake.requests.map((r) => r.path.replace(/[0-9a-f]{32}/, ':id'))).toEqual(['/zones', '/zones/:id/dns_records', '/zones/:id/dns_records']);
  });

  it('says which permission is needed when no zone is found, and lists again next time (the zone may have been added)', async () => {
    const cf = provider();
    await expect(cf.findZone('www.example.org')).rejects.toMatchObject({ name: 'ProviderError', message: expect.stringMatching(/Zone → Zone → Read/) });
    expect(fake.requests.map((r) => r.path)).toEqual(['/zones']);
    fake.addZone('example.org');
    expect(await cf.findZone('www.example.org')).toBe('example.org');
    expect(fake.requests.map((r) => r.path)).toEqual(['/zones', '/zones']);
    // found now: the listing is kept
    expect(await cf.findZone('example.com')).toBe('example.com');
    expect(fake.counts.GET).toBe(2);
  });

  it('with zoneId, fetches the zone once and refuses a name outside it', async () => {
    const cf = provider({ zoneId: fake.zone('example.com').id });
    expect(await cf.findZone('www.example.com')).toBe('example.com');
    expect(await cf.findZone('example.com')).toBe('example.com');
    await expect(cf.findZone('example.org')).rejects.toThrow(/not in zone example\.com/);
    expect(fake.requests.map((r) => r.path)).toEqual([`/zones/${fake.zone('example.com').id}`]);
  });

  it('with zoneId and a configured zone, reads without any zone call (a DNS-only token suffices)', async () => {
    const cf = provider({ zoneId: fake.zone('example.com').id });
    await cf.read('example.com', ['example.com']);
    expect(fake.requests.map((r) => r.path)).toEqual([`/zones/${fake.zone('example.com').id}/dns_records`]);
  });
});

describe('read', () => {
  it('returns A/AAAA at exact names, normalised, with an automatic TTL as stored (1), and a CNAME as a conflict', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.2', ttl: 600 });
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 600 });
    fake.addRecord('example.com', { name: 'example.com', type: 'AAAA', content: '2001:0db8::0001' });
    fake.addRecord('example.com', { name: 'example.com', type: 'MX', content: 'mx.example.com' });
    fake.addRecord('example.com', { name: 'www.example.com', type: 'CNAME', content: 'lb.example.net' });
    const cf = provider();
    const zone = await cf.findZone('example.com');
    fake.resetCounts();
    const read = await cf.read(zone, ['example.com', 'www.example.com', 'new.example.com']);
    expect(read.get('example.com')).toEqual({ A: set(600, '198.51.100.1', '198.51.100.2'), AAAA: set(1, '2001:db8::1') });
    expect(read.get('www.example.com')).toEqual({ conflict: 'a CNAME record (to lb.example.net)' });
    expect(read.get('new.example.com')).toEqual({});
    expect(fake.counts.GET).toBe(1);
  });

  it('reads one name with one exact-name listing', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 60 });
    const cf = provider();
    await cf.findZone('example.com');
    fake.resetCounts();
    expect(await cf.read('example.com', ['example.com'])).toEqual(new Map([['example.com', { A: set(60, '198.51.100.1') }]]));
    expect(fake.requests.map((r) => r.query.get('name.exact'))).toEqual(['example.com']);
  });

  it('reads 50 names in a 2 000-record zone in one call', async () => {
    for (let i = 0; i < 2_000; i++)
      fake.addRecord('example.com', { name: `h${i}.example.com`, type: i % 2 ? 'A' : 'TXT', content: i % 2 ? `198.51.${(i >> 8) & 255}.${i & 255}` : `t${i}` });
    const names = Array.from({ length: 50 }, (_, k) => `h${2 * k + 1}.example.com`);
    const cf = provider();
    await cf.findZone('example.com');
    fake.resetCounts();
    const read = await cf.read('example.com', names);
    expect(read.size).toBe(50);
    expect(read.get('h1.example.com')).toEqual({ A: set(1, '198.51.0.1') });
    // one listing of the whole zone (5 000 per page): no per-name calls, and no extra empty page
    expect(fake.counts.GET).toBe(1);
    expect(fake.requests[0]!.query.get('per_page')).toBe('5000');
  });

  it('pages through a big zone, or switches to per-name listings when those cost fewer calls', async () => {
    for (let i = 0; i < 17_000; i++) fake.addRecord('example.com', { name: `h${i}.example.com`, type: 'TXT', content: `t${i}` });
    fake.addRecord('example.com', { name: 'a.example.com', type: 'A', content: '198.51.100.1' });
    fake.addRecord('example.com', { name: 'b.example.com', type: 'A', content: '198.51.100.2' });
    const cf = provider();
    await cf.findZone('example.com');
    const many = Array.from({ length: 10 }, (_, k) => `h${k}.example.com`).concat(['a.example.com', 'b.example.com']);
    fake.resetCounts();
    const all = await cf.read('example.com', many);
    expect(all.get('b.example.com')).toEqual({ A: set(1, '198.51.100.2') });
    // 17 002 records at 5 000 a page: 4 pages (3 more after the first) cost less than 12 per-name listings
    expect(fake.requests.map((r) => r.query.get('page') ?? '1')).toEqual(['1', '2', '3', '4']);
    fake.resetCounts();
    const two = await cf.read('example.com', ['a.example.com', 'b.example.com']);
    expect(two.get('a.example.com')).toEqual({ A: set(1, '198.51.100.1') });
    // the first page shows 3 more pages to go: two per-name listings are cheaper
    const [first, ...perName] = fake.requests.map((r) => r.query.get('name.exact'));
    expect(first).toBeNull();
    expect(perName.sort()).toEqual(['a.example.com', 'b.example.com']);
  });

  it('says which permission is missing when the token cannot read', async () => {
    const cf = provider({ zoneId: fake.zone('example.com').id });
    fake.token = 'rotated';
    try {
      await expect(cf.read('example.com', ['example.com'])).rejects.toMatchObject({
        kind: 'auth',
        message: expect.stringMatching(/Zone → DNS → Read \(or Edit\) on zone example\.com/),
      });
    } finally {
      fake.token = TOKEN;
    }
  });
});

describe('apply', () => {
  async function readFresh(cf: ProviderSession, names: string[]) {
    const zone = await cf.findZone(names[0]!);
    const read = await cf.read(zone, names);
    fake.resetCounts();
    return read;
  }

  it('creates A and AAAA in one batch, with the managed-by comment', async () => {
    const cf = provider();
    await readFresh(cf, ['example.com']);
    const outcomes = await cf.apply('example.com', [create('example.com', 'A', set(300, '198.51.100.1', '198.51.100.2')), create('example.com', 'AAAA', set(300, '2001:db8::1'))]);
    expect(outcomes).toEqual(new Map([['example.com', { status: 'applied' }]]));
    expect(fake.batchCalls).toBe(1);
    expect(fake.writes).toBe(1);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(fake.records('example.com').map((r) => [r.ttl, r.proxied, r.comment])).toEqual(Array.from({ length: 3 }, () => [300, false, 'managed by apexsync: example.com']));
    // the next read sees exactly what was written
    expect(await cf.read('example.com', ['example.com'])).toEqual(new Map([['example.com', { A: set(300, '198.51.100.1', '198.51.100.2'), AAAA: set(300, '2001:db8::1') }]]));
  });

  it('recycles record ids on a target change: 2 → 1 different address is one PATCH and one DELETE', async () => {
    const a1 = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    const a2 = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.2', ttl: 300 });
    const cf = provider();
    await readFresh(cf, ['example.com']);
    const outcomes = await cf.apply('example.com', [update('example.com', 'A', set(300, '198.51.100.1', '198.51.100.2'), set(300, '198.51.100.9'))]);
    expect(outcomes.get('example.com')).toEqual({ status: 'applied' });
    const batch = fake.requests.find((r) => r.path.endsWith('/batch'))!.body as Record<string, unknown[]>;
    expect([batch.deletes?.length, batch.patches?.length, batch.puts?.length, batch.posts?.length]).toEqual([1, 1, undefined, undefined]);
    const after = fake.records('example.com', { type: 'A' });
    expect(after.map((r) => [r.id, r.content])).toEqual([[a1.id, '198.51.100.9']]);
    expect([a1.id, a2.id]).toContain(after[0]!.id);
    expect(fake.batchCalls).toBe(1);
  });

  it('removes AAAA and keeps A, in one batch of deletes', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    fake.addRecord('example.com', { name: 'example.com', type: 'AAAA', content: '2001:db8::1', ttl: 300 });
    fake.addRecord('example.com', { name: 'example.com', type: 'AAAA', content: '2001:db8::2', ttl: 300 });
    const cf = provider();
    await readFresh(cf, ['example.com']);
    const outcomes = await cf.apply('example.com', [remove('example.com', 'AAAA', set(300, '2001:db8::1', '2001:db8::2'))]);
    expect(outcomes.get('example.com')).toEqual({ status: 'applied' });
    expect(fake.records('example.com').map((r) => r.type)).toEqual(['A']);
    expect((fake.requests[0]!.body as { deletes: unknown[] }).deletes).toHaveLength(2);
    expect(fake.writes).toBe(1);
  });

  it('preserves the proxied flag, comment and tags a person set', async () => {
    const a = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', proxied: true, comment: 'set by Alice', tags: ['team:web'] });
    const cf = provider();
    const read = await readFresh(cf, ['example.com']);
    expect(read.get('example.com')).toEqual({ A: set(1, '198.51.100.1') });
    await cf.apply('example.com', [update('example.com', 'A', set(1, '198.51.100.1'), set(120, '198.51.100.5', '198.51.100.6'))]);
    const after = fake.records('example.com', { type: 'A' });
    expect(after.map((r) => ({ id: r.id, content: r.content, proxied: r.proxied, ttl: r.ttl, comment: r.comment, tags: r.tags }))).toEqual([
      { id: a.id, content: '198.51.100.5', proxied: true, ttl: 1, comment: 'set by Alice', tags: ['team:web'] },
      { id: expect.any(String), content: '198.51.100.6', proxied: true, ttl: 1, comment: 'managed by apexsync: example.com', tags: ['team:web'] },
    ]);
  });

  it('puts the changes of many names in one batch, chunked at batchSize without splitting a name', async () => {
    const cf = provider({ batchSize: 4 });
    const names = ['a.example.com', 'b.example.com', 'c.example.com'];
    await readFresh(cf, names);
    const changes = names.flatMap((n) => [create(n, 'A', set(60, '198.51.100.1', '198.51.100.2')), create(n, 'AAAA', set(60, '2001:db8::1'))]);
    const outcomes = await cf.apply('example.com', changes);
    expect([...outcomes.values()]).toEqual(names.map(() => ({ status: 'applied' })));
    // 3 ops per name, 4 per batch: one name per batch
    expect(fake.batchCalls).toBe(3);
    expect(fake.requests.map((r) => (r.body as { posts: Array<{ name: string }> }).posts.map((p) => p.name))).toEqual(names.map((n) => [n, n, n]));
  });

  it('applies nothing of a failed batch and says so for every name in it', async () => {
    const a = fake.addRecord('example.com', { name: 'a.example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    fake.addRecord('example.com', { name: 'b.example.com', type: 'A', content: '198.51.100.2', ttl: 300 });
    const cf = provider();
    await readFresh(cf, ['a.example.com', 'b.example.com']);
    // Someone deletes a.example.com's record between the read and the batch.
    fake.beforeHandle = (request) => {
      if (request.path.endsWith('/batch')) fake.removeRecord('example.com', a.id);
    };
    const before = fake.records('example.com').filter((r) => r.id !== a.id);
    const outcomes = await cf.apply('example.com', [
      update('a.example.com', 'A', set(300, '198.51.100.1'), set(300, '198.51.100.7')),
      update('b.example.com', 'A', set(300, '198.51.100.2'), set(300, '198.51.100.8')),
      create('c.example.com', 'A', set(300, '198.51.100.9')),
    ]);
    for (const name of ['a.example.com', 'b.example.com', 'c.example.com']) {
      expect(outcomes.get(name)).toEqual({
        status: 'not-applied',
        kind: 'conflict',
        message: 'the records changed since they were read (HTTP 404: 81044 Record does not exist.) (batch of 3 names, 3 record operations)',
      });
    }
    expect(fake.records('example.com')).toEqual(before);
    expect(fake.batchCalls).toBe(1);
    expect(fake.writes).toBe(1);
  });

  it('falls back to one call per operation, update → create → delete, and the name is never empty', async () => {
    fake.batchEnabled = false;
    const a1 = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.2', ttl: 300 });
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.3', ttl: 300 });
    fake.addRecord('example.com', { name: 'example.com', type: 'AAAA', content: '2001:db8::1', ttl: 300 });
    const cf = provider();
    await readFresh(cf, ['example.com']);
    const states: Array<{ call: string; A: string[]; AAAA: string[] }> = [];
    fake.afterWrite = (request) =>
      states.push({ call: request.method, A: fake.contents('example.com', 'example.com', 'A'), AAAA: fake.contents('example.com', 'example.com', 'AAAA') });
    const outcomes = await cf.apply('example.com', [
      // 3 addresses → 1 new one plus a kept one: recycle one id, delete one
      update('example.com', 'A', set(300, '198.51.100.1', '198.51.100.2', '198.51.100.3'), set(300, '198.51.100.3', '198.51.100.9')),
      // 1 → 2 new addresses: recycle the id, create one
      update('example.com', 'AAAA', set(300, '2001:db8::1'), set(300, '2001:db8::8', '2001:db8::9')),
    ]);
    expect(outcomes.get('example.com')).toEqual({ status: 'applied' });
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 404', 'PATCH 200', 'PATCH 200', 'POST 200', 'DELETE 200']);
    expect(states).toEqual([
      { call: 'PATCH', A: ['198.51.100.2', '198.51.100.3', '198.51.100.9'], AAAA: ['2001:db8::1'] },
      { call: 'PATCH', A: ['198.51.100.2', '198.51.100.3', '198.51.100.9'], AAAA: ['2001:db8::8'] },
      { call: 'POST', A: ['198.51.100.2', '198.51.100.3', '198.51.100.9'], AAAA: ['2001:db8::8', '2001:db8::9'] },
      { call: 'DELETE', A: ['198.51.100.3', '198.51.100.9'], AAAA: ['2001:db8::8', '2001:db8::9'] },
    ]);
    expect(fake.records('example.com', { type: 'A' }).map((r) => r.id)).toContain(a1.id);
    // The provider remembers that the route is missing: the next apply goes one by one at once.
    await cf.read('example.com', ['example.com']);
    fake.resetCounts();
    await cf.apply('example.com', [update('example.com', 'A', set(300, '198.51.100.3', '198.51.100.9'), set(300, '198.51.100.3'))]);
    expect(fake.batchCalls).toBe(0);
    expect(fake.requests.map((r) => r.method)).toEqual(['DELETE']);
  });

  it('reports a name as partly applied when a one-by-one call fails after others succeeded', async () => {
    fake.batchEnabled = false;
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    const cf = provider();
    await readFresh(cf, ['example.com']);
    // Someone adds the very address apexsync is about to create.
    fake.beforeHandle = (request) => {
      if (request.method === 'POST') fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.3' });
    };
    const outcomes = await cf.apply('example.com', [update('example.com', 'A', set(300, '198.51.100.1'), set(300, '198.51.100.2', '198.51.100.3'))]);
    expect(outcomes.get('example.com')).toEqual({
      status: 'unconfirmed',
      kind: 'conflict',
      message: 'partly applied (1 of 2 record operations done), then: the records changed since they were read (HTTP 400: 81058 An identical record already exists.)',
    });
  });

  it('survives a rate-limit storm on reads and writes, honouring Retry-After', async () => {
    const cf = provider();
    const zone = await cf.findZone('example.com');
    fake.resetCounts();
    fake.rateLimitNext(3, 1);
    const read = await cf.read(zone, ['example.com']);
    expect(read.get('example.com')).toEqual({});
    expect(fake.rateLimited).toBe(3);
    expect(fake.requests.map((r) => [r.status, r.retryCount])).toEqual([
      [429, 0],
      [429, 1],
      [429, 2],
      [200, 3],
    ]);
    fake.resetCounts();
    fake.rateLimitNext(2, 1);
    const outcomes = await cf.apply(zone, [create('example.com', 'A', set(300, '198.51.100.1'))]);
    expect(outcomes.get('example.com')).toEqual({ status: 'applied' });
    expect(fake.rateLimited).toBe(2);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['198.51.100.1']);
  });

  it('gives up at once, not applied, on a 429 whose Retry-After is minutes long', async () => {
    const cf = provider();
    await readFresh(cf, ['example.com']);
    fake.rateLimitNext(1, 300);
    const outcomes = await cf.apply('example.com', [create('example.com', 'A', set(300, '198.51.100.1'))]);
    expect(outcomes.get('example.com')).toEqual({
      status: 'not-applied',
      kind: 'rate-limit',
      message: 'rate limited by Cloudflare (HTTP 429: 971 Please wait and consider throttling your request speed, retry after 300 s)',
    });
    expect(fake.writes).toBe(1);
  });

  it('names the missing permission when the token may not write, and never prints the token', async () => {
    const cf = provider();
    await readFresh(cf, ['example.com', 'www.example.com']);
    fake.tokenScope = 'read';
    const outcomes = await cf.apply('example.com', [create('example.com', 'A', set(300, '198.51.100.1')), create('www.example.com', 'A', set(300, '198.51.100.1'))]);
    for (const outcome of outcomes.values()) {
      expect(outcome).toMatchObject({
        status: 'not-applied',
        kind: 'auth',
        message: expect.stringContaining('the token needs the permission Zone → DNS → Edit on zone example.com'),
      });
      expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    }
    expect(fake.records('example.com')).toEqual([]);
  });

  it('reports a write that times out after it was sent as could-not-confirm, and does not resend it', async () => {
    const cf = provider({ timeoutMs: 300 });
    await readFresh(cf, ['example.com']);
    fake.delayNextWriteMs = 3_000;
    const outcomes = await cf.apply('example.com', [create('example.com', 'A', set(300, '198.51.100.1'))]);
    expect(outcomes.get('example.com')).toEqual({ status: 'unconfirmed', kind: 'timeout', message: 'Cloudflare did not answer in time (write of zone example.com)' });
    expect(fake.batchCalls).toBe(1);
    // it did happen: the next round's read will see it
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['198.51.100.1']);
  });

  it('reads a name it was not asked to read before writing it', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    const cf = provider();
    await cf.findZone('example.com');
    fake.resetCounts();
    await cf.apply('example.com', [update('example.com', 'A', set(300, '198.51.100.1'), set(300, '198.51.100.2'))]);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(fake.records('example.com').map((r) => r.content)).toEqual(['198.51.100.2']);
  });
});

describe('secrets', () => {
  it('never wrote the token to the log (at trace level, across every test above)', () => {
    expect(logText.length).toBeGreaterThan(0);
    expect(logText).not.toContain(TOKEN);
  });
});
