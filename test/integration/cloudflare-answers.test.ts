import { pino } from 'pino';
import { providerSession, type ProviderSession } from '../support/provider-session.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Change, RecordSet } from '../../src/model.js';
import { createProvider } from '../../providers/cloudflare/index.js';
import { cloudflareSettings } from '../../providers/cloudflare/settings.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { HttpFaultProxy } from '../support/faults/http-fault-proxy.js';

/**
 * Answers with a 2xx status that are not Cloudflare's (an HTML page from a proxy or a captive
 * portal, JSON of another shape), through the fault proxy in front of the fake: a listing is
 * never read as "no records here" (that would create records beside the real ones), and a write
 * is never reported applied unless its answer confirms it.
 */
const TOKEN = 'cf-answers-test-token-2b9e4f';
const HTML = '<html><head><title>Welcome</title></head><body>Please sign in to the network</body></html>';
const json = (value: unknown) => ({ kind: 'respond', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }) as const;

let fake: CloudflareFake;
let proxy: HttpFaultProxy;

function provider(): ProviderSession {
  const settings = cloudflareSettings.parse({ type: 'cloudflare', apiToken: TOKEN, baseUrl: `${proxy.origin}/client/v4`, zoneId: fake.zone('example.com').id, timeoutMs: 2000 });
  return providerSession(createProvider(settings, { id: 'cf', logger: pino({ level: 'silent' }) }), 'read');
}

const set = (ttl: number, ...values: string[]): RecordSet => ({ ttl, values });
const update = (name: string, before: RecordSet, after: RecordSet): Change => ({ action: 'update', name, family: 'A', before, after });
const contents = (name: string) => fake.contents('example.com', name, 'A');

beforeAll(async () => {
  fake = await CloudflareFake.start({ token: TOKEN });
  proxy = await HttpFaultProxy.start(new URL(fake.baseUrl).origin);
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});
beforeEach(async () => {
  await proxy.clear();
  fake.zones.length = 0;
  fake.batchEnabled = true;
  fake.addZone('example.com');
  fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
  fake.addRecord('example.com', { name: 'www.example.com', type: 'A', content: '198.51.100.2', ttl: 300 });
  fake.resetCounts();
  proxy.resetCounters();
});

describe('a listing that is not the v4 envelope fails the read', () => {
  const notEnvelope = [
    { what: 'an HTML page', action: { kind: 'respond', status: 200, body: HTML } as const, problem: /\(HTTP 200, text\/html: the body is not JSON\)/ },
    {
      what: 'JSON without "success"',
      action: json({ result: [], result_info: { page: 1, per_page: 100, count: 0, total_count: 0, total_pages: 0 } }),
      problem: /"success" is not true/,
    },
    { what: 'JSON without "result_info"', action: json({ success: true, errors: [], messages: [], result: [] }), problem: /"result_info" is missing/ },
    { what: 'JSON whose "result" is not a list', action: json({ success: true, result: {}, result_info: {} }), problem: /"result" is not an array/ },
  ];
  for (const { what, action, problem } of notEnvelope) {
    it(`${what}: ProviderError, not an empty name, and nothing is written`, async () => {
      proxy.inject({ on: 'read', path: /dns_records/, action });
      const cf = provider();
      // several names: the whole-zone listing; one name: the exact-name listing
      for (const names of [['example.com', 'www.example.com'], ['example.com']]) {
        await expect(cf.read('example.com', names)).rejects.toMatchObject({ name: 'ProviderError', kind: 'unreachable', message: expect.stringMatching(problem) });
      }
      expect(proxy.hits).toBe(2);
      // not retried: a 200 is not a failure the SDK retries
      expect(proxy.seen.read).toBe(2);
      // No snapshot, so a round never applies: nothing is written.
      expect(proxy.seen.write).toBe(0);
      expect(contents('example.com')).toEqual(['198.51.100.1']);
    });
  }

  it('a later page of a listing is checked too', async () => {
    // 101 records at one name: the exact-name listing (100 per page) has two pages
    for (let i = 0; i < 100; i++) fake.addRecord('example.com', { name: 'many.example.com', type: 'A', content: `192.0.2.${i + 1}`, ttl: 300 });
    fake.addRecord('example.com', { name: 'many.example.com', type: 'A', content: '192.0.3.1', ttl: 300 });
    const cf = provider();
    expect((await cf.read('example.com', ['many.example.com'])).get('many.example.com')!.A!.values).toHaveLength(101);
    proxy.inject({ on: 'read', path: /dns_records\?.*page=2/, action: { kind: 'respond', status: 200, body: HTML } });
    await expect(cf.read('example.com', ['many.example.com'])).rejects.toMatchObject({ name: 'ProviderError', message: expect.stringMatching(/not the API's JSON envelope/) });
    expect(proxy.hits).toBe(1);
  });

  it('a zone listing that is an HTML page fails discovery (not "no zone holds the name")', async () => {
    proxy.inject({ on: 'read', path: /\/zones\?/, action: { kind: 'respond', status: 200, body: HTML } });
    const settings = cloudflareSettings.parse({ type: 'cloudflare', apiToken: TOKEN, baseUrl: `${proxy.origin}/client/v4` });
    const cf = providerSession(createProvider(settings, { id: 'cf', logger: pino({ level: 'silent' }) }), 'read');
    await expect(cf.findZone('www.example.com')).rejects.toMatchObject({
      name: 'ProviderError',
      kind: 'unreachable',
      message: expect.stringMatching(/not the API's JSON envelope/),
    });
  });
});

describe('a write answered with something that does not confirm it is "could not confirm"', () => {
  const change = [
    update('example.com', set(300, '198.51.100.1'), set(300, '203.0.113.1', '203.0.113.2')),
    update('www.example.com', set(300, '198.51.100.2'), set(300, '203.0.113.3')),
  ];

  it('an HTML 200 instead of the batch answer, never forwarded: unconfirmed for every name, nothing changed', async () => {
    const cf = provider();
    await cf.read('example.com', ['example.com', 'www.example.com']);
    proxy.inject({ on: 'write', action: { kind: 'respond', status: 200, body: HTML } });
    const outcomes = await cf.apply('example.com', change);
    for (const name of ['example.com', 'www.example.com']) {
      expect(outcomes.get(name)).toEqual({
        status: 'unconfirmed',
        kind: 'unconfirmed',
        message: expect.stringMatching(
          /^Cloudflare's answer to the batch \(HTTP 200, text\/html\) does not confirm it: the answer holds no batch result \(nothing\) \(batch of 2 names, 3 record operations\)$/,
        ),
      });
    }
    expect(proxy.seen.write).toBe(1);
    expect(fake.batchCalls).toBe(0);
    expect(contents('example.com')).toEqual(['198.51.100.1']);
  });

  it('an HTML 200 after Cloudflare applied the batch: unconfirmed, and the change is there', async () => {
    const cf = provider();
    await cf.read('example.com', ['example.com', 'www.example.com']);
    proxy.inject({ on: 'write', action: { kind: 'respond-after', status: 200, body: HTML } });
    const outcomes = await cf.apply('example.com', change);
    expect([...outcomes.values()].map((o) => o.status)).toEqual(['unconfirmed', 'unconfirmed']);
    expect(fake.batchCalls).toBe(1);
    expect(contents('example.com')).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(contents('www.example.com')).toEqual(['203.0.113.3']);
  });

  it('a JSON batch answer listing fewer records than were sent: unconfirmed', async () => {
    const cf = provider();
    await cf.read('example.com', ['example.com', 'www.example.com']);
    proxy.inject({ on: 'write', action: json({ success: true, errors: [], messages: [], result: { patches: [], posts: [] } }) });
    const outcomes = await cf.apply('example.com', change);
    expect(outcomes.get('example.com')).toEqual({ status: 'unconfirmed', kind: 'unconfirmed', message: expect.stringContaining('"patches" lists 0 records for 2 sent') });
  });

  it('the answer confirms a real batch: applied', async () => {
    const cf = provider();
    await cf.read('example.com', ['example.com', 'www.example.com']);
    const outcomes = await cf.apply('example.com', change);
    expect([...outcomes.values()]).toEqual([{ status: 'applied' }, { status: 'applied' }]);
    expect(fake.batchCalls).toBe(1);
  });

  it('one by one: a POST answered with an HTML 200 is unconfirmed, after the PATCH that was confirmed, and the DELETE is not sent', async () => {
    fake.batchEnabled = false;
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.9', ttl: 300 });
    const cf = provider();
    await cf.read('example.com', ['example.com']);
    // A: 2 → 1 other address (PATCH, DELETE); AAAA: created (POST). Sent as PATCH → POST → DELETE.
    proxy.inject({ on: 'write', path: /\/dns_records$/, times: 1, action: { kind: 'respond-after', status: 200, body: HTML } });
    const outcomes = await cf.apply('example.com', [
      update('example.com', set(300, '198.51.100.1', '198.51.100.9'), set(300, '203.0.113.1')),
      { action: 'create', name: 'example.com', family: 'AAAA', before: null, after: set(300, '2001:db8::1') },
    ]);
    expect(outcomes.get('example.com')).toEqual({
      status: 'unconfirmed',
      kind: 'unconfirmed',
      message:
        "partly applied (1 of 3 record operations done), then: Cloudflare's answer to the creation (POST) of AAAA record 2001:db8::1 at example.com (HTTP 200, text/html) does not confirm it: the answer holds no record id (nothing)",
    });
    // the batch route (404), then PATCH and POST (carried out by the fake, answered with HTML); no DELETE
    expect(fake.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['POST', 'PATCH', 'POST']);
    expect(contents('example.com').sort()).toEqual(['198.51.100.9', '203.0.113.1']);
    expect(fake.contents('example.com', 'example.com', 'AAAA')).toEqual(['2001:db8::1']);
  });

  it('one by one: a PATCH answered with JSON about another record is unconfirmed and stops the name', async () => {
    fake.batchEnabled = false;
    const cf = provider();
    await cf.read('example.com', ['example.com']);
    proxy.inject({ on: 'write', path: /\/dns_records\/[0-9a-f]{32}$/, action: json({ success: true, errors: [], messages: [], result: { id: 'f'.repeat(32) } }) });
    const outcomes = await cf.apply('example.com', [update('example.com', set(300, '198.51.100.1'), set(300, '203.0.113.1', '203.0.113.2'))]);
    expect(outcomes.get('example.com')).toEqual({
      status: 'unconfirmed',
      kind: 'unconfirmed',
      message: expect.stringMatching(/update \(PATCH\) of A record 203\.0\.113\.1 at example\.com .*the answer is about record f{32}, not [0-9a-f]{32}$/),
    });
    // the POST after the PATCH is not sent
    expect(fake.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['POST']);
    expect(proxy.seen.write).toBe(2);
  });
});
