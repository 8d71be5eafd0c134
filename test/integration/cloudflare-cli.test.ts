import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * The built CLI end to end against the Cloudflare fake (through the real SDK) and the in-process
 * DNS server serving the targets. The token reaches the process only through its environment.
 */
const TOKEN = 'cf-cli-test-token-9a8b7c6d5e';
const EDGE_A = ['93.184.216.34', '93.184.216.35'];
const EDGE_AAAA = ['2606:2800:220:1:248:1893:25c8:1946'];

let fake: CloudflareFake;
let dns: TestDnsServer;
let dir: string;
let configFile: string;

function writeConfig(records: string, providerExtra = ''): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  cf: { type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${fake.baseUrl}"${providerExtra} }
defaults: { provider: cf }
records:
${records}
`,
  );
}

const APEX = '  - { name: example.com, target: lb.target.test }';

async function sync(...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', configFile, ...args], { cwd: dir, env: { CLOUDFLARE_API_TOKEN: TOKEN } });
  // Whatever happened, the token is never printed.
  expect(result.stdout).not.toContain(TOKEN);
  expect(result.stderr).not.toContain(TOKEN);
  return result;
}

const ids = (type: string, name = 'example.com') =>
  fake
    .records('example.com', { name, type })
    .map((r) => r.id)
    .sort();

beforeAll(async () => {
  [fake, dns] = await Promise.all([CloudflareFake.start({ token: TOKEN }), startTestDnsServer()]);
});
afterAll(async () => {
  await Promise.all([fake.close(), dns.close()]);
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-cf-cli-'));
  configFile = path.join(dir, 'apexsync.yaml');
  fake.zones.length = 0;
  fake.batchEnabled = true;
  fake.tokenScope = 'edit';
  fake.beforeHandle = undefined;
  fake.afterWrite = undefined;
  fake.addZone('example.com');
  fake.addRecord('example.com', { name: 'example.com', type: 'MX', content: 'mail.example.com' });
  fake.addRecord('example.com', { name: 'example.com', type: 'TXT', content: 'v=spf1 -all' });
  fake.resetCounts();
  for (const name of ['lb.target.test', 'edge.target.test']) {
    dns.setBehaviour(name, null);
    dns.remove(name);
  }
  dns.setCname('lb.target.test', 'edge.target.test', 600);
  dns.setAddresses('edge.target.test', 'A', EDGE_A, 120);
  dns.setAddresses('edge.target.test', 'AAAA', EDGE_AAAA, 120);
  writeConfig(APEX);
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('apexsync sync with Cloudflare', () => {
  it('first sync creates A and AAAA in one batch; a second sync sends no write', async () => {
    const first = await sync();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('example.com  (cf · zone example.com)  ← lb.target.test');
    expect(first.stdout).toContain('Summary: 1 updated, 0 in sync, 0 failed');
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(EDGE_A);
    expect(fake.contents('example.com', 'example.com', 'AAAA')).toEqual(EDGE_AAAA);
    expect(fake.records('example.com', { name: 'example.com', type: 'A' }).map((r) => [r.ttl, r.comment])).toEqual([
      [120, 'managed by apexsync: example.com ← lb.target.test'],
      [120, 'managed by apexsync: example.com ← lb.target.test'],
    ]);
    // zone lookup + one listing, then one batch
    expect(fake.counts).toEqual({ GET: 2, POST: 1, PATCH: 0, PUT: 0, DELETE: 0 });
    expect(fake.batchCalls).toBe(1);
    // MX and TXT at the apex untouched
    expect(
      fake
        .records('example.com')
        .map((r) => r.type)
        .sort(),
    ).toEqual(['A', 'A', 'AAAA', 'MX', 'TXT']);

    fake.resetCounts();
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(fake.writes).toBe(0);
    expect(fake.counts.GET).toBe(2);
  });

  it('a target change recycles the record ids (PATCH), and AAAA removal deletes only AAAA', async () => {
    expect((await sync()).code).toBe(0);
    const aIds = ids('A');
    const aaaaIds = ids('AAAA');

    dns.setAddresses('edge.target.test', 'A', ['93.184.216.99'], 120);
    fake.resetCounts();
    const changed = await sync();
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain('93.184.216.34, 93.184.216.35 → 93.184.216.99');
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['93.184.216.99']);
    expect(aIds).toContain(ids('A')[0]);
    expect(fake.batchCalls).toBe(1);
    const batch = fake.requests.find((r) => r.path.endsWith('/batch'))!.body as { patches?: unknown[]; deletes?: unknown[]; posts?: unknown[] };
    expect([batch.patches?.length, batch.deletes?.length, batch.posts?.length]).toEqual([1, 1, undefined]);

    dns.setAddresses('edge.target.test', 'AAAA', []);
    const removed = await sync();
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('- AAAA');
    expect(fake.records('example.com', { type: 'AAAA' })).toEqual([]);
    expect(aaaaIds).toHaveLength(1);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['93.184.216.99']);
  });

  it('keeps the proxied flag, comment and tags a person set, and the record id', async () => {
    const mine = fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '203.0.113.10', proxied: true, comment: 'origin, proxied', tags: ['team:web'] });
    writeConfig('  - { name: example.com, target: lb.target.test, families: [A] }');
    const result = await sync();
    expect(result.code).toBe(0);
    const after = fake.records('example.com', { name: 'example.com', type: 'A' });
    expect(after.map((r) => ({ id: r.id === mine.id, content: r.content, proxied: r.proxied, comment: r.comment, tags: r.tags }))).toEqual([
      { id: true, content: '93.184.216.34', proxied: true, comment: 'origin, proxied', tags: ['team:web'] },
      { id: false, content: '93.184.216.35', proxied: true, comment: 'managed by apexsync: example.com ← lb.target.test', tags: ['team:web'] },
    ]);
    // proxied records keep the automatic TTL, and the next sync has nothing to do
    expect(after.map((r) => r.ttl)).toEqual([1, 1]);
    fake.resetCounts();
    const again = await sync();
    expect(again.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(fake.writes).toBe(0);
  });

  it('survives a rate-limit storm, honouring Retry-After', async () => {
    fake.rateLimitNext(4, 1);
    const result = await sync();
    expect(result.code).toBe(0);
    expect(fake.rateLimited).toBe(4);
    // the zone lookup was answered 429 four times and retried by the SDK
    expect(fake.requests.slice(0, 5).map((r) => [r.status, r.retryCount])).toEqual([
      [429, 0],
      [429, 1],
      [429, 2],
      [429, 3],
      [200, 4],
    ]);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(EDGE_A);
  });

  it('a failed batch leaves every record as it was and exits 1', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    fake.addRecord('example.com', { name: 'www.example.com', type: 'A', content: '198.51.100.2', ttl: 300 });
    writeConfig(`${APEX}\n  - { name: www.example.com, target: lb.target.test, families: [A] }\n  - { name: new.example.com, target: lb.target.test, families: [A] }`);
    // Between the read and the batch someone creates the very record apexsync is about to create.
    fake.beforeHandle = (request) => {
      if (request.path.endsWith('/batch')) fake.addRecord('example.com', { name: 'new.example.com', type: 'A', content: '93.184.216.35', ttl: 300 });
    };
    const before = fake.records('example.com');
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('81058 An identical record already exists.');
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 3 failed');
    expect(fake.batchCalls).toBe(1);
    expect(fake.writes).toBe(1);
    const after = fake.records('example.com').filter((r) => r.name !== 'new.example.com');
    expect(after).toEqual(before);
  });

  it('reads 50 managed names in a 2 000-record zone with one listing, and writes them in one batch', async () => {
    for (let i = 0; i < 1_998; i++)
      fake.addRecord('example.com', { name: `h${i}.example.com`, type: i % 3 ? 'A' : 'TXT', content: i % 3 ? `198.51.100.${(i % 250) + 1}` : `t${i}` });
    const names = Array.from({ length: 50 }, (_, k) => `app${k}.example.com`);
    writeConfig(names.map((n) => `  - { name: ${n}, zone: example.com, target: lb.target.test, families: [A] }`).join('\n'));
    fake.resetCounts();
    const first = await sync();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Summary: 50 updated, 0 in sync, 0 failed');
    // minimum: the zone's id by name (1), every record of the zone in one page (1); one batch of 100 posts
    expect(fake.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{32}/, ':id')}`)).toEqual([
      'GET /zones',
      'GET /zones/:id/dns_records',
      'POST /zones/:id/dns_records/batch',
    ]);
    expect((fake.requests[2]!.body as { posts: unknown[] }).posts).toHaveLength(100);

    fake.resetCounts();
    const second = await sync();
    expect(second.stdout).toContain('Summary: 0 updated, 50 in sync, 0 failed');
    expect(fake.counts).toEqual({ GET: 2, POST: 0, PATCH: 0, PUT: 0, DELETE: 0 });
  });

  it('without the batch route, sends update → create → delete one by one and the name is never empty', async () => {
    fake.batchEnabled = false;
    for (const content of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) fake.addRecord('example.com', { name: 'example.com', type: 'A', content, ttl: 120 });
    fake.addRecord('example.com', { name: 'example.com', type: 'AAAA', content: '2001:db8::1', ttl: 120 });
    dns.setAddresses('edge.target.test', 'AAAA', ['2606:2800:220:1::1', '2606:2800:220:1::2'], 120);
    const seen: Array<{ call: string; A: number; AAAA: number }> = [];
    fake.afterWrite = (request) =>
      seen.push({
        call: request.method,
        A: fake.records('example.com', { name: 'example.com', type: 'A' }).length,
        AAAA: fake.records('example.com', { name: 'example.com', type: 'AAAA' }).length,
      });
    const result = await sync();
    expect(result.code).toBe(0);
    // A: 3 → 2 (two patched, one deleted); AAAA: 1 → 2 (one patched, one created)
    expect(seen.map((s) => s.call)).toEqual(['PATCH', 'PATCH', 'PATCH', 'POST', 'DELETE']);
    for (const state of seen) {
      expect(state.A).toBeGreaterThan(0);
      expect(state.AAAA).toBeGreaterThan(0);
    }
    expect(fake.batchCalls).toBe(1);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(EDGE_A);
    expect(fake.contents('example.com', 'example.com', 'AAAA')).toEqual(['2606:2800:220:1::1', '2606:2800:220:1::2']);
  });

  it('--dry-run sends no write', async () => {
    fake.addRecord('example.com', { name: 'example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
    const result = await sync('--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 1 would update, 0 in sync, 0 failed (dry run: nothing was written)');
    expect(fake.writes).toBe(0);
    expect(fake.counts.GET).toBe(2);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['198.51.100.1']);
  });

  it('a token that may not write fails with the permission it needs, never printing the token (trace logs included)', async () => {
    fake.tokenScope = 'read';
    const result = await sync('--log-level', 'trace');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('the token needs the permission Zone → DNS → Edit on zone example.com');
    expect(result.stderr.length).toBeGreaterThan(0);
    expect(fake.records('example.com', { type: 'A' })).toEqual([]);
  });

  it('a wrong token fails the read with the permission it needs and exits 1', async () => {
    fake.token = 'another-token';
    try {
      const result = await sync('--output', 'json');
      expect(result.code).toBe(1);
      const doc = JSON.parse(result.stdout) as { records: Array<{ status: string; error: { stage: string; message: string } }> };
      expect(doc.records[0]).toMatchObject({ status: 'failed', error: { stage: 'zone', message: expect.stringContaining('Zone → Zone → Read') } });
      expect(fake.authFailures).toBe(1);
    } finally {
      fake.token = TOKEN;
    }
  });
});

describe('TTLs Cloudflare can hold', () => {
  it('ttl: 1 (automatic) is written once and then left alone, not rewritten every run', async () => {
    writeConfig('  - { name: example.com, target: lb.target.test, ttl: 1 }');
    const first = await sync();
    expect(first.code).toBe(0);
    expect(fake.records('example.com', { name: 'example.com', type: 'A' }).map((r) => r.ttl)).toEqual([1, 1]);
    fake.resetCounts();
    const second = await sync('--output', 'json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).summary).toMatchObject({ inSync: 1, updated: 0 });
    expect(fake.counts).toEqual({ GET: 2, POST: 0, PATCH: 0, PUT: 0, DELETE: 0 });
  });

  it('a TTL Cloudflare cannot hold is a config error naming the field (exit 2), before any call', async () => {
    writeConfig('  - { name: example.com, target: lb.target.test, ttl: 10 }');
    const result = await sync();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('records[0].ttl: provider cf cannot hold TTL 10; it accepts 60–86400 (or 1 = automatic)');
    expect(result.stdout).toBe('');
    expect(fake.counts).toEqual({ GET: 0, POST: 0, PATCH: 0, PUT: 0, DELETE: 0 });
  });
});
