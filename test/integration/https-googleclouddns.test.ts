import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSvcbRdata, parseSvcbPresentation } from '../../src/dns/svcb.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { GoogleCloudDnsFake, type ServiceAccount } from '../support/google-cloud-dns-fake.js';
import { createTestTls, type TestTls } from '../support/test-tls.js';

/**
 * HTTPS records through the built CLI and the `googleclouddns` provider: the real
 * `@google-cloud/dns` against the Cloud DNS fake (TLS from a CA trusted through
 * NODE_EXTRA_CA_CERTS, tokens from the fake's token endpoint), the in-process DNS server serving
 * the target's HTTPS RRset behind a CNAME. The tests build on each other, like cron runs.
 */
const EDGE_A = '93.184.216.34';
const EDGE_AAAA = '2606:2800:220:1:248:1893:25c8:1946';
const ECH_1 = 'AEX+DQBBpQAgACB/bfoHyjM0eaqF';
const ECH_2 = 'AEX+DQBBzzzzACB/bfoHyjM0eaqF';
const ZONE = 'example-com';

let tls: TestTls;
let fake: GoogleCloudDnsFake;
let dns: TestDnsServer;
let account: ServiceAccount;
let dir: string;

const mirrored = (ech: string): string => `1 . alpn="h3,h2" ipv4hint=${EDGE_A} ech=${ech} ipv6hint=${EDGE_AAAA}`;
const targetHttps = (text: string): void => dns.setHttps('edge.target.test', [encodeSvcbRdata(parseSvcbPresentation(text))], 300);
const https = (name: string) => fake.rrset(ZONE, name, 'HTTPS');
const writes = () => fake.calls['changes.create'];

beforeAll(async () => {
  tls = createTestTls();
  [fake, dns] = await Promise.all([GoogleCloudDnsFake.start(tls), startTestDnsServer()]);
  account = fake.createServiceAccount();
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-https-gcp-'));
  const keyFile = path.join(dir, 'key.json');
  writeFileSync(keyFile, account.keyJson, { mode: 0o600 });
  fake.createZone(ZONE, 'example.com');
  fake.setRrset(ZONE, { name: 'example.com', type: 'MX', ttl: 300, rrdatas: ['10 mail.example.com.'] });
  // A stale record at the mirrored name, and an alias name with no HTTPS yet.
  fake.setRrset(ZONE, { name: 'example.com', type: 'HTTPS', ttl: 3600, rrdatas: ['1 . port=8443'] });
  dns.setCname('www.target.test', 'edge.target.test', 600);
  dns.setAddresses('edge.target.test', 'A', [EDGE_A], 120);
  dns.setAddresses('edge.target.test', 'AAAA', [EDGE_AAAA], 120);
  targetHttps(`1 . alpn="h3,h2" ipv4hint=198.51.100.1 ipv6hint=2001:db8::1 ech=${ECH_1}`);
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  gcp: { type: googleclouddns, project: my-project, credentialsFile: "${keyFile}", endpoint: "${fake.endpoint}" }
defaults: { provider: gcp, ttl: { min: 60, max: 3600 } }
verify: { mode: off }
records:
  - { name: example.com, target: www.target.test, https: mirror }
  - { name: alias.example.com, target: edge.target.test, families: [A], https: alias }
`,
  );
});

afterAll(async () => {
  await Promise.all([fake?.close(), dns?.close()]);
  tls?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function sync(...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', path.join(dir, 'apexsync.yaml'), ...args], {
    cwd: dir,
    env: { NODE_EXTRA_CA_CERTS: tls.caFile, HTTPS_PROXY: fake.proxyUrl, GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'no-adc.json') },
  });
  for (const token of fake.issuedTokens) expect(result.stdout + result.stderr).not.toContain(token);
  return result;
}

describe('HTTPS records through the built CLI and the googleclouddns provider', () => {
  it('first sync publishes the mirror (hints rewritten, the stale record deleted as read) and the alias in one change', async () => {
    fake.resetCounters();
    const result = await sync();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Summary: 2 updated, 0 in sync, 0 failed');
    expect(result.code).toBe(0);
    expect(writes()).toBe(1);
    const change = fake.changes[0]!;
    expect(change.result).toBe('applied');
    expect(change.deletions.filter((rrset) => rrset.type === 'HTTPS')).toEqual([expect.objectContaining({ name: 'example.com.', ttl: 3600, rrdatas: ['1 . port=8443'] })]);
    expect(change.additions.map((rrset) => `${rrset.name} ${rrset.type}`).sort()).toEqual([
      'alias.example.com. A',
      'alias.example.com. HTTPS',
      'example.com. A',
      'example.com. AAAA',
      'example.com. HTTPS',
    ]);
    expect(https('example.com')).toMatchObject({ ttl: 300, rrdatas: [mirrored(ECH_1)] });
    expect(https('alias.example.com')).toMatchObject({ ttl: 3600, rrdatas: ['0 edge.target.test.'] });
    expect(fake.rrset(ZONE, 'example.com', 'MX')?.rrdatas).toEqual(['10 mail.example.com.']);
  });

  it('a second sync writes nothing, also when Cloud DNS holds the same records written another way', async () => {
    fake.resetCounters();
    expect((await sync()).stdout).toContain('Summary: 0 updated, 2 in sync, 0 failed');
    fake.setRrset(ZONE, { name: 'example.com', type: 'HTTPS', ttl: 300, rrdatas: [`1 . ipv6hint=${EDGE_AAAA} ech="${ECH_1}" alpn=h3,h2 ipv4hint=${EDGE_A}`] });
    const again = await sync();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Summary: 0 updated, 2 in sync, 0 failed');
    expect(writes()).toBe(0);
    expect(fake.calls['resourceRecordSets.list']).toBe(2);
  });

  it('a new ech at the target replaces the record: deletion exactly as stored, addition canonical, one change', async () => {
    targetHttps(`1 . alpn="h3,h2" ech=${ECH_2}`);
    fake.resetCounters();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 1 updated, 1 in sync, 0 failed');
    expect(writes()).toBe(1);
    expect(fake.changes[0]).toMatchObject({
      result: 'applied',
      deletions: [expect.objectContaining({ name: 'example.com.', type: 'HTTPS', ttl: 300, rrdatas: [`1 . ipv6hint=${EDGE_AAAA} ech="${ECH_1}" alpn=h3,h2 ipv4hint=${EDGE_A}`] })],
      additions: [expect.objectContaining({ name: 'example.com.', type: 'HTTPS', ttl: 300, rrdatas: [mirrored(ECH_2)] })],
    });
    expect(https('example.com')?.rrdatas).toEqual([mirrored(ECH_2)]);
  });

  it("the target dropping its HTTPS RRset deletes the name's, leaving the addresses and the alias", async () => {
    dns.setHttps('edge.target.test', [], 300);
    fake.resetCounters();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/- HTTPS/);
    expect(writes()).toBe(1);
    expect(fake.changes[0]).toMatchObject({
      result: 'applied',
      additions: [],
      deletions: [expect.objectContaining({ name: 'example.com.', type: 'HTTPS', rrdatas: [mirrored(ECH_2)] })],
    });
    expect(https('example.com')).toBeUndefined();
    expect(fake.rrset(ZONE, 'example.com', 'A')?.rrdatas).toEqual([EDGE_A]);
    expect(https('alias.example.com')?.rrdatas).toEqual(['0 edge.target.test.']);
  });
});
