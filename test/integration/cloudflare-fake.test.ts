import Cloudflare, { AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError } from 'cloudflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudflareFake } from '../support/cloudflare-fake.js';

/**
 * The fake itself, driven by the raw SDK: if these hold, adapter tests against it say something
 * about the real API (as Cloudflare documents it; see docs/providers/cloudflare.md).
 */
let fake: CloudflareFake;
let client: Cloudflare;
let zoneId: string;

beforeAll(async () => {
  fake = await CloudflareFake.start({ token: 'fake-token-1' });
  client = new Cloudflare({ apiToken: 'fake-token-1', apiKey: null, apiEmail: null, baseURL: fake.baseUrl, maxRetries: 2, logLevel: 'off' });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.zones.length = 0;
  fake.batchEnabled = true;
  fake.tokenScope = 'edit';
  zoneId = fake.addZone('example.com').id;
  fake.resetCounts();
});

describe('cloudflare fake through the real SDK', () => {
  it('ends a listing with an empty page, which the SDK iterator needs to stop', async () => {
    for (let i = 0; i < 12; i++) fake.addRecord('example.com', { name: `h${i}.example.com`, type: 'A', content: `198.51.100.${i + 1}` });
    const seen: string[] = [];
    for await (const record of client.dns.records.list({ zone_id: zoneId, per_page: 5 })) seen.push(record.name);
    expect(seen).toHaveLength(12);
    // pages 1, 2, 3 hold 5 + 5 + 2 records; page 4 is the empty page that ends the loop
    expect(fake.counts.GET).toBe(4);
    expect(fake.requests.map((r) => r.query.get('page') ?? '1')).toEqual(['1', '2', '3', '4']);
  });

  it('filters by name.exact and type, and reports result_info', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1' });
    fake.addRecord('example.com', { name: 'example.com', type: 'TXT', content: 'v=spf1 -all' });
    fake.addRecord('example.com', { name: 'www.example.com', type: 'A', content: '198.51.100.2' });
    const page = await client.dns.records.list({ zone_id: zoneId, name: { exact: 'example.com' }, type: 'A' });
    expect(page.result.map((r) => r.content)).toEqual(['198.51.100.1']);
    expect(page.result_info).toMatchObject({ page: 1, per_page: 100, count: 1, total_count: 1, total_pages: 1 });
    expect(fake.requests[0]!.query.get('name.exact')).toBe('example.com');
  });

  it('looks zones up by exact name', async () => {
    fake.addZone('other.example.com');
    const page = await client.zones.list({ name: 'other.example.com' });
    expect(page.result.map((z) => z.name)).toEqual(['other.example.com']);
    const none = await client.zones.list({ name: 'nope.example.com' });
    expect(none.result).toEqual([]);
  });

  it('creates, patches (merging), replaces and deletes records with the real error codes', async () => {
    const created = await client.dns.records.create({ zone_id: zoneId, type: 'A', name: 'example.com', content: '198.51.100.1', ttl: 300, comment: 'mine', tags: ['env:prod'] });
    await expect(client.dns.records.create({ zone_id: zoneId, type: 'A', name: 'example.com', content: '198.51.100.1', ttl: 300 })).rejects.toMatchObject({
      status: 400,
      errors: [{ code: 81058, message: 'An identical record already exists.' }],
    });
    const patched = await client.dns.records.edit(created.id, { zone_id: zoneId, type: 'A', name: 'example.com', ttl: 120, content: '198.51.100.2' });
    expect(patched).toMatchObject({ id: created.id, content: '198.51.100.2', ttl: 120, comment: 'mine', tags: ['env:prod'] });
    const replaced = await client.dns.records.update(created.id, { zone_id: zoneId, type: 'A', name: 'example.com', ttl: 60, content: '198.51.100.3' });
    expect(replaced).toMatchObject({ id: created.id, content: '198.51.100.3', comment: null, tags: [] });
    await client.dns.records.delete(created.id, { zone_id: zoneId });
    const missing = client.dns.records.delete(created.id, { zone_id: zoneId });
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
    await expect(missing).rejects.toMatchObject({ errors: [{ code: 81044 }] });
    await expect(client.dns.records.delete('not-an-id', { zone_id: zoneId })).rejects.toMatchObject({ status: 404, errors: [{ code: 7003 }] });
    expect(fake.counts).toEqual({ GET: 0, POST: 2, PATCH: 1, PUT: 1, DELETE: 3 });
  });

  it('refuses an A record beside a CNAME (81053)', async () => {
    fake.addRecord('example.com', { name: 'www.example.com', type: 'CNAME', content: 'target.example.net' });
    await expect(client.dns.records.create({ zone_id: zoneId, type: 'A', name: 'www.example.com', content: '198.51.100.1', ttl: 60 })).rejects.toMatchObject({
      errors: [{ code: 81053 }],
    });
  });

  it('runs a batch in the order deletes → patches → puts → posts', async () => {
    const a = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1' });
    const b = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.2' });
    // Posting b's content is only legal because the delete of b runs first; patching a to b's
    // old content likewise.
    const result = await client.dns.records.batch({
      zone_id: zoneId,
      posts: [{ type: 'A', name: 'example.com', content: '198.51.100.2', ttl: 60 }],
      patches: [{ id: a.id, type: 'A', name: 'example.com', content: '198.51.100.9', ttl: 60 }],
      deletes: [{ id: b.id }],
    });
    expect(result.deletes?.map((r) => r.id)).toEqual([b.id]);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['198.51.100.2', '198.51.100.9']);
    expect(fake.batchCalls).toBe(1);
  });

  it('applies nothing of a batch when one operation fails', async () => {
    const a = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1' });
    const before = fake.records('example.com');
    const failing = client.dns.records.batch({
      zone_id: zoneId,
      deletes: [{ id: a.id }],
      posts: [
        { type: 'A', name: 'new.example.com', content: '198.51.100.5', ttl: 60 },
        { type: 'A', name: 'new.example.com', content: '198.51.100.5', ttl: 60 },
      ],
    });
    await expect(failing).rejects.toBeInstanceOf(BadRequestError);
    await expect(failing).rejects.toMatchObject({ errors: [{ code: 81058 }] });
    expect(fake.records('example.com')).toEqual(before);
  });

  it('limits a batch to batchLimit operations and can hide the route', async () => {
    const posts = Array.from({ length: 201 }, (_, i) => ({ type: 'A' as const, name: `n${i}.example.com`, content: '198.51.100.1', ttl: 60 }));
    await expect(client.dns.records.batch({ zone_id: zoneId, posts })).rejects.toMatchObject({ status: 400 });
    expect(fake.records('example.com')).toEqual([]);
    fake.batchEnabled = false;
    await expect(client.dns.records.batch({ zone_id: zoneId, posts: posts.slice(0, 1) })).rejects.toMatchObject({ status: 404, errors: [{ code: 7000 }] });
  });

  it('checks the bearer token and the token scope', async () => {
    const stranger = new Cloudflare({ apiToken: 'wrong', apiKey: null, apiEmail: null, baseURL: fake.baseUrl, maxRetries: 0, logLevel: 'off' });
    await expect(stranger.zones.list({ name: 'example.com' })).rejects.toBeInstanceOf(AuthenticationError);
    await expect(stranger.zones.list({ name: 'example.com' })).rejects.toMatchObject({ errors: [{ code: 10000 }] });
    fake.tokenScope = 'read';
    await expect(client.dns.records.create({ zone_id: zoneId, type: 'A', name: 'example.com', content: '198.51.100.1', ttl: 60 })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(fake.authFailures).toBe(3);
  });

  it('serves injected 429s with retry-after, which the SDK retries', async () => {
    fake.rateLimitNext(2, 0);
    const page = await client.zones.list({ name: 'example.com' });
    expect(page.result).toHaveLength(1);
    expect(fake.rateLimited).toBe(2);
    expect(fake.requests.map((r) => [r.status, r.retryCount])).toEqual([
      [429, 0],
      [429, 1],
      [200, 2],
    ]);
  });
});
