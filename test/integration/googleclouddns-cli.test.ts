import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { GoogleCloudDnsFake, type FakeRrset, type ServiceAccount } from '../support/google-cloud-dns-fake.js';
import { createTestTls, type TestTls } from '../support/test-tls.js';

/**
 * The built CLI end to end against the Cloud DNS fake, through the real `@google-cloud/dns` and
 * google-auth-library: the service-account key is signed into a JWT assertion and exchanged at
 * the token endpoint (reached through HTTPS_PROXY, since the library always posts to
 * oauth2.googleapis.com), and the API is served over TLS from a CA the process trusts through
 * NODE_EXTRA_CA_CERTS. The in-process DNS server serves the targets.
 */
const EDGE_A = ['93.184.216.34', '93.184.216.35'];
const EDGE_AAAA = ['2606:2800:220:1:248:1893:25c8:1946'];
const ZONE = 'example-com';
const FIXTURES = path.resolve(import.meta.dirname, '../support/fixtures/google-cloud-dns');

let tls: TestTls;
let fake: GoogleCloudDnsFake;
let dns: TestDnsServer;
let account: ServiceAccount;
let dir: string;
let configFile: string;
let keyFile: string;

function writeConfig(records: string, providerExtra = ''): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  gcp: { type: googleclouddns, project: my-project, credentialsFile: "${keyFile}", endpoint: "${fake.endpoint}"${providerExtra} }
defaults: { provider: gcp }
records:
${records}
`,
  );
}

const APEX = '  - { name: example.com, target: lb.target.test }';

async function sync(...args: string[]): Promise<CliResult> {
  return syncWith({ GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'no-adc.json') }, ...args);
}

async function syncWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', configFile, ...args], { cwd: dir, env: { NODE_EXTRA_CA_CERTS: tls.caFile, HTTPS_PROXY: fake.proxyUrl, ...env } });
  // Whatever happened, neither the private key nor an access token is ever printed.
  const keyLine = account.privateKeyPem.split('\n')[1] ?? '';
  expect(keyLine.length).toBeGreaterThan(40);
  for (const output of [result.stdout, result.stderr]) {
    expect(output).not.toContain(keyLine);
    for (const token of fake.issuedTokens) expect(output).not.toContain(token);
  }
  return result;
}

const values = (name: string, type: 'A' | 'AAAA') => fake.rrset(ZONE, name, type)?.rrdatas;
const writes = () => fake.calls['changes.create'];

beforeAll(async () => {
  tls = createTestTls();
  [fake, dns] = await Promise.all([GoogleCloudDnsFake.start(tls), startTestDnsServer()]);
  account = fake.createServiceAccount();
});
afterAll(async () => {
  await Promise.all([fake.close(), dns.close()]);
  tls.remove();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-gcp-cli-'));
  configFile = path.join(dir, 'apexsync.yaml');
  keyFile = path.join(dir, 'key.json');
  writeFileSync(keyFile, account.keyJson, { mode: 0o600 });
  fake.clear();
  fake.createZone(ZONE, 'example.com');
  fake.createZone('other-zone', 'other.test');
  fake.setRrset(ZONE, { name: 'example.com', type: 'MX', ttl: 300, rrdatas: ['10 mail.example.com.'] });
  fake.setRrset(ZONE, { name: 'example.com', type: 'TXT', ttl: 300, rrdatas: ['"v=spf1 -all"'] });
  fake.resetCounters();
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

describe('apexsync sync with Google Cloud DNS', () => {
  it('first sync creates A and AAAA in one change; a second sync reads once and writes nothing', async () => {
    const first = await sync();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Summary: 1 updated, 0 in sync, 0 failed');
    expect(values('example.com', 'A')).toEqual(EDGE_A);
    expect(values('example.com', 'AAAA')).toEqual(EDGE_AAAA);
    expect(fake.rrset(ZONE, 'example.com', 'A')?.ttl).toBe(120);
    // one token, one zone listing, one record listing, one change, one poll until it is done
    expect(fake.calls).toEqual({ token: 1, 'managedZones.list': 1, 'managedZones.get': 0, 'resourceRecordSets.list': 1, 'changes.create': 1, 'changes.get': 1 });
    expect(fake.changes).toHaveLength(1);
    expect(fake.changes[0]?.deletions).toEqual([]);
    expect(fake.changes[0]?.additions.map((rrset) => rrset.type).sort()).toEqual(['A', 'AAAA']);
    expect(fake.tunnels).toContain('oauth2.googleapis.com:443');
    // MX, TXT, SOA and NS untouched
    expect(fake.types(ZONE)).toEqual(['example.com. A', 'example.com. AAAA', 'example.com. MX', 'example.com. NS', 'example.com. SOA', 'example.com. TXT']);

    fake.resetCounters();
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    // The floor: the zone lookup, one listing of the zone, no write.
    expect(fake.calls).toEqual({ token: 1, 'managedZones.list': 1, 'managedZones.get': 0, 'resourceRecordSets.list': 1, 'changes.create': 0, 'changes.get': 0 });
  });

  it('a target change deletes the set exactly as read and adds the new one in one change; AAAA removal deletes only AAAA; --dry-run writes nothing', async () => {
    // Stored spelled the way Cloud DNS may hold it, not as apexsync would write it.
    fake.setRrset(ZONE, { name: 'example.com', type: 'AAAA', ttl: 120, rrdatas: ['2606:2800:0220:0001:0248:1893:25c8:1946'] });
    fake.setRrset(ZONE, { name: 'example.com', type: 'A', ttl: 120, rrdatas: ['93.184.216.35', '93.184.216.34'] });
    expect((await sync()).stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');

    dns.setAddresses('edge.target.test', 'A', ['93.184.216.99'], 120);
    fake.resetCounters();
    const dry = await sync('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('93.184.216.34, 93.184.216.35 → 93.184.216.99');
    expect(writes()).toBe(0);
    expect(values('example.com', 'A')).toEqual(['93.184.216.35', '93.184.216.34']);

    const changed = await sync();
    expect(changed.code).toBe(0);
    expect(writes()).toBe(1);
    expect(fake.changes[0]).toEqual({
      zone: ZONE,
      deletions: [{ kind: 'dns#resourceRecordSet', name: 'example.com.', type: 'A', ttl: 120, rrdatas: ['93.184.216.35', '93.184.216.34'] }],
      additions: [{ name: 'example.com.', type: 'A', ttl: 120, rrdatas: ['93.184.216.99'] }],
      result: 'applied',
    });
    expect(values('example.com', 'A')).toEqual(['93.184.216.99']);

    dns.setAddresses('edge.target.test', 'AAAA', []);
    fake.resetCounters();
    const removed = await sync('--output', 'json');
    expect(removed.code).toBe(0);
    const report = JSON.parse(removed.stdout) as { records: Array<{ status: string; changes: Array<{ family: string; action: string }> }> };
    expect(report.records[0]?.changes).toMatchObject([{ family: 'AAAA', action: 'delete' }]);
    expect(fake.changes.map((change) => [change.additions.length, change.deletions.map((d) => `${d.type} ${(d.rrdatas ?? []).join(' ')}`)])).toEqual([
      [0, ['AAAA 2606:2800:0220:0001:0248:1893:25c8:1946']],
    ]);
    expect(values('example.com', 'AAAA')).toBeUndefined();
    expect(values('example.com', 'A')).toEqual(['93.184.216.99']);
  });

  it('without credentialsFile, Application Default Credentials are used (GOOGLE_APPLICATION_CREDENTIALS)', async () => {
    writeFileSync(
      configFile,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }\nproviders:\n  gcp: { type: googleclouddns, project: my-project, endpoint: "${fake.endpoint}" }\nrecords:\n${APEX}\n`,
    );
    const result = await syncWith({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    expect(result.code).toBe(0);
    expect(values('example.com', 'A')).toEqual(EDGE_A);
    expect(fake.calls.token).toBe(1);
  });

  it('a target that fails to resolve leaves the records as they were: exit 1, no write', async () => {
    fake.setRrset(ZONE, { name: 'example.com', type: 'A', ttl: 120, rrdatas: EDGE_A });
    dns.setBehaviour('lb.target.test', 'servfail');
    const result = await sync();
    expect(result.code).toBe(1);
    expect(writes()).toBe(0);
    expect(values('example.com', 'A')).toEqual(EDGE_A);
  });

  it('an edit by someone else between the read and the write is a conflict: nothing applied, exit 1', async () => {
    fake.setRrset(ZONE, { name: 'example.com', type: 'A', ttl: 120, rrdatas: ['198.51.100.1'] });
    writeConfig('  - { name: example.com, target: lb.target.test, families: [A] }\n  - { name: www.example.com, target: lb.target.test, families: [A] }');
    fake.beforeNextChange = () => fake.setRrset(ZONE, { name: 'example.com', type: 'A', ttl: 120, rrdatas: ['198.51.100.7'] });
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('changed by someone else since it was read; nothing applied');
    expect(result.stdout).toContain("Precondition not met for 'entity.change.deletions[0]'");
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 2 failed');
    expect(fake.changes.map((change) => change.result)).toEqual(['conditionNotMet']);
    // Both names were in the one change: neither was written.
    expect(values('example.com', 'A')).toEqual(['198.51.100.7']);
    expect(values('www.example.com', 'A')).toBeUndefined();
    // The round's read; the adapter's re-read that tells the refusal apart from a replay of a change
    // that landed; the core's re-read that tells it apart from another replica's same change.
    expect(fake.calls['resourceRecordSets.list']).toBe(3);
  });

  it('a CNAME or a routing-policy record set at the name is a conflict: reported, exit 1, nothing written', async () => {
    fake.setRrset(ZONE, { name: 'www.example.com', type: 'CNAME', ttl: 300, rrdatas: ['example.com.'] });
    fake.setRrset(ZONE, { name: 'geo.example.com', type: 'A', ttl: 300, routingPolicy: { geo: { items: [{ location: 'us-east1', rrdatas: ['192.0.2.1'] }] } } });
    writeConfig('  - { name: www.example.com, target: lb.target.test }\n  - { name: geo.example.com, target: lb.target.test }');
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('a CNAME (to example.com.) is at this name');
    expect(result.stdout).toContain('this name has a Cloud DNS geolocation routing policy A record set; apexsync manages plain A/AAAA records');
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 2 failed');
    expect(writes()).toBe(0);
    expect(fake.rrset(ZONE, 'geo.example.com', 'A')?.routingPolicy).toBeDefined();
  });

  it('a key the token endpoint does not accept, or a damaged key file, fails with a clear message; a missing permission is named', async () => {
    const stranger = fake.createServiceAccount('stranger', false);
    writeFileSync(keyFile, stranger.keyJson);
    const refused = await sync();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Google refused the credentials at the token endpoint');
    expect(refused.stdout).toContain('invalid_grant');
    expect(refused.stdout).not.toContain(stranger.privateKeyPem.split('\n')[1]);
    expect(fake.calls['managedZones.list']).toBe(0);

    // A damaged key file (cut short) fails at once with what is wrong, before any request.
    writeFileSync(keyFile, account.keyJson.slice(0, 200));
    fake.resetCounters();
    const damaged = await sync();
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain(`credentialsFile ${keyFile} is not JSON`);
    expect(fake.calls.token).toBe(0);

    writeFileSync(keyFile, account.keyJson);
    fake.resetCounters();
    fake.inject({ method: 'changes.create', status: 403, reason: 'forbidden', message: 'Forbidden' });
    const forbidden = await sync();
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toContain('they need the permission dns.changes.create');
    expect(values('example.com', 'A')).toBeUndefined();
    expect(writes()).toBe(1);
  });

  it('survives rate limiting on the read and on the write, retrying each refused call', async () => {
    fake.inject({ method: 'resourceRecordSets.list', status: 429, reason: 'rateLimitExceeded', times: 2 });
    fake.inject({ method: 'changes.create', status: 429, reason: 'rateLimitExceeded', times: 1 });
    const result = await sync('--log-level', 'debug');
    expect(result.code).toBe(0);
    expect(values('example.com', 'A')).toEqual(EDGE_A);
    expect(fake.calls['resourceRecordSets.list']).toBe(3);
    expect(fake.calls['changes.create']).toBe(2);
    expect(fake.changes.filter((change) => change.result === 'applied')).toHaveLength(1);
    expect(result.stderr.match(/Cloud DNS call failed; retrying/g)).toHaveLength(3);
  });

  it('a 5xx on the write is "could not confirm" and never repeated; a 5xx on a read is retried', async () => {
    fake.inject({ method: 'resourceRecordSets.list', status: 503, reason: 'backendError', times: 1 });
    fake.inject({ method: 'changes.create', status: 500, reason: 'backendError', times: 1 });
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('could not confirm');
    expect(result.stdout).toContain('Cloud DNS changes.create failed (HTTP 500)');
    expect(fake.calls['resourceRecordSets.list']).toBe(2);
    expect(fake.calls['changes.create']).toBe(1);

    fake.resetCounters();
    const next = await sync();
    expect(next.code).toBe(0);
    expect(values('example.com', 'A')).toEqual(EDGE_A);
  });

  it('reads 30 names in a zone of 2 500 record sets in 3 pages (pageToken) and writes them in one change', async () => {
    const hosts = Array.from({ length: 2498 }, (_, i) => `host${String(i).padStart(4, '0')}.other.test`);
    for (const host of hosts) fake.setRrset('other-zone', { name: host, type: 'TXT', ttl: 300, rrdatas: ['"filler"'] });
    const managed = hosts.filter((_, i) => i % 85 === 0);
    expect(managed).toHaveLength(30);
    writeConfig(managed.map((name) => `  - { name: ${name}, target: lb.target.test, families: [A] }`).join('\n'));
    fake.resetCounters();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 30 updated, 0 in sync, 0 failed');
    // 2 498 TXT + SOA + NS, 1 000 per page.
    expect(fake.calls['resourceRecordSets.list']).toBe(3);
    expect(fake.calls['changes.create']).toBe(1);
    expect(fake.changes[0]?.additions).toHaveLength(30);
    for (const name of managed) expect(fake.rrset('other-zone', name, 'A')?.rrdatas).toEqual(EDGE_A);
  });

  it('reads the documented listing, deletes a set exactly as listed, and meets the documented conflict envelope', async () => {
    const listing = JSON.parse(readFileSync(path.join(FIXTURES, 'resourceRecordSets.list.json'), 'utf8')) as { rrsets: FakeRrset[] };
    for (const rrset of listing.rrsets) fake.setRrset(ZONE, rrset);
    dns.setAddresses('edge.target.test', 'A', ['192.0.2.92'], 300);
    dns.setAddresses('edge.target.test', 'AAAA', ['2001:db8::91'], 300);
    writeConfig(
      '  - { name: example.com, target: lb.target.test, ttl: 300, allowSpecialAddresses: true }\n' +
        '  - { name: www.example.com, target: lb.target.test, ttl: 300, allowSpecialAddresses: true }\n' +
        '  - { name: geo.example.com, target: lb.target.test, ttl: 300, allowSpecialAddresses: true }',
    );
    const result = await sync('--output', 'json');
    const report = JSON.parse(result.stdout) as { records: Array<{ name: string; status: string }> };
    expect(report.records.map((record) => [record.name, record.status])).toEqual([
      ['example.com', 'updated'],
      ['www.example.com', 'failed'],
      ['geo.example.com', 'failed'],
    ]);
    // The AAAA, stored uncompressed, is the target's address: no change. The A is the documented change.
    const request = JSON.parse(readFileSync(path.join(FIXTURES, 'changes.create.request.json'), 'utf8')) as { additions: FakeRrset[]; deletions: FakeRrset[] };
    expect(fake.changes[0]?.deletions).toEqual(request.deletions);
    expect(fake.changes[0]?.additions).toEqual(request.additions.map(({ kind: _kind, ...rrset }) => rrset));

    // The fake refuses a stale deletion with the documented envelope, word for word.
    const envelope = readFileSync(path.join(FIXTURES, 'error.conditionNotMet.json'), 'utf8');
    const token = await fetchToken();
    const answer = await postJson(`${fake.endpoint}/dns/v1/projects/my-project/managedZones/${ZONE}/changes`, token, request);
    expect(answer.status).toBe(412);
    expect(JSON.parse(answer.body)).toEqual(JSON.parse(envelope));
  });
});

/** A token from the fake's endpoint, the way the library gets one, for the raw request above. */
async function fetchToken(): Promise<string> {
  const { createSign } = await import('node:crypto');
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: account.email, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: 'https://oauth2.googleapis.com/token', iat: now, exp: now + 600 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(account.privateKeyPem).toString('base64url');
  const answer = await postForm(`${fake.endpoint}/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` });
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}

async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
  return request(url, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString());
}

async function postJson(url: string, token: string, body: object): Promise<{ status: number; body: string }> {
  return request(url, { 'content-type': 'application/json', authorization: `Bearer ${token}` }, JSON.stringify(body));
}

async function request(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers, ca: readFileSync(tls.caFile) }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
