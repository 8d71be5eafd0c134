import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { Route53Fake } from '../support/route53-fake.js';

/**
 * The built CLI end to end against the Route 53 fake (through the real AWS SDK, the process-wide
 * pacer and the default retry policy) and the in-process DNS server serving the targets. AWS
 * credentials reach the process only through its environment, as the standard chain reads them.
 */
const ACCESS_KEY_ID = 'AKIDAPEXSYNCCLITEST';
const SECRET_ACCESS_KEY = 'cliSecret/PlantedInEnv+zyxwvutsrqponmlk9876543210';
const EDGE_A = ['93.184.216.34', '93.184.216.35'];
const EDGE_AAAA = ['2606:2800:220:1:248:1893:25c8:1946'];

let fake: Route53Fake;
let dns: TestDnsServer;
let dir: string;
let configFile: string;
let zoneId: string;

function writeConfig(records: string, providerExtra = ''): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  aws: { type: route53, endpoint: "${fake.endpoint}"${providerExtra} }
defaults: { provider: aws }
records:
${records}
`,
  );
}

const APEX = '  - { name: example.com, target: lb.target.test }';

async function sync(...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', configFile, ...args], {
    cwd: dir,
    env: {
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      // Keep the chain away from the developer's own ~/.aws.
      AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    },
  });
  // Whatever happened, the secret key is never printed.
  expect(result.stdout).not.toContain(SECRET_ACCESS_KEY);
  expect(result.stderr).not.toContain(SECRET_ACCESS_KEY);
  return result;
}

const values = (name: string, type: 'A' | 'AAAA') => fake.recordSet(zoneId, name, type)?.values;
const writes = () => fake.calls.ChangeResourceRecordSets;

beforeAll(async () => {
  [fake, dns] = await Promise.all([Route53Fake.start(), startTestDnsServer()]);
  fake.expectedAccessKeyId = ACCESS_KEY_ID;
});
afterAll(async () => {
  await Promise.all([fake.close(), dns.close()]);
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-r53-cli-'));
  configFile = path.join(dir, 'apexsync.yaml');
  fake.zones.clear();
  fake.clearFaults();
  zoneId = fake.createZone('example.com');
  fake.setRecordSet(zoneId, { name: 'example.com', type: 'MX', ttl: 300, values: ['10 mail.example.com.'] });
  fake.setRecordSet(zoneId, { name: 'example.com', type: 'TXT', ttl: 300, values: ['"v=spf1 -all"'] });
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

describe('apexsync sync with Route 53', () => {
  it('first sync creates A and AAAA in one batch; a second sync sends no write', async () => {
    const first = await sync();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('example.com  (aws · zone example.com)  ← lb.target.test');
    expect(first.stdout).toContain('Summary: 1 updated, 0 in sync, 0 failed');
    expect(values('example.com', 'A')).toEqual(EDGE_A);
    expect(values('example.com', 'AAAA')).toEqual(EDGE_AAAA);
    expect(fake.recordSet(zoneId, 'example.com', 'A')?.ttl).toBe(120);
    // one zone listing, one record listing, one batch of two CREATEs
    expect(fake.calls).toEqual({ ListHostedZonesByName: 1, GetHostedZone: 0, ListResourceRecordSets: 1, ChangeResourceRecordSets: 1, GetChange: 0 });
    expect(fake.batches[0]?.changes.map((c) => `${c.action} ${c.type}`)).toEqual(['CREATE A', 'CREATE AAAA']);
    // MX, TXT, SOA and NS at the apex untouched
    expect(fake.recordSets(zoneId).map((s) => s.type)).toEqual(['A', 'AAAA', 'MX', 'NS', 'SOA', 'TXT']);

    fake.resetCounters();
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(writes()).toBe(0);
    expect(fake.calls.ListResourceRecordSets).toBe(1);
  });

  it('a target change is one DELETE(old) + CREATE(new) batch; AAAA removal deletes only AAAA; --dry-run writes nothing', async () => {
    expect((await sync()).code).toBe(0);

    dns.setAddresses('edge.target.test', 'A', ['93.184.216.99'], 120);
    fake.resetCounters();
    const dry = await sync('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('93.184.216.34, 93.184.216.35 → 93.184.216.99');
    expect(writes()).toBe(0);
    expect(values('example.com', 'A')).toEqual(EDGE_A);

    const changed = await sync();
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain('93.184.216.34, 93.184.216.35 → 93.184.216.99');
    expect(writes()).toBe(1);
    expect(fake.batches.at(-1)?.changes).toEqual([
      { action: 'DELETE', name: 'example.com.', type: 'A', ttl: 120, values: EDGE_A },
      { action: 'CREATE', name: 'example.com.', type: 'A', ttl: 120, values: ['93.184.216.99'] },
    ]);
    expect(values('example.com', 'A')).toEqual(['93.184.216.99']);

    dns.setAddresses('edge.target.test', 'AAAA', []);
    fake.resetCounters();
    const removed = await sync('--output', 'json');
    expect(removed.code).toBe(0);
    const report = JSON.parse(removed.stdout) as { records: Array<{ status: string; changes: Array<{ family: string; action: string }> }> };
    expect(report.records[0]?.status).toBe('updated');
    expect(report.records[0]?.changes).toMatchObject([{ family: 'AAAA', action: 'delete' }]);
    expect(fake.batches.map((b) => b.changes.map((c) => `${c.action} ${c.type}`))).toEqual([['DELETE AAAA']]);
    expect(values('example.com', 'AAAA')).toBeUndefined();
    expect(values('example.com', 'A')).toEqual(['93.184.216.99']);
  });

  it('an alias at the name is a conflict: reported, exit 1, nothing written', async () => {
    fake.setRecordSet(zoneId, {
      name: 'example.com',
      type: 'A',
      aliasTarget: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'dualstack.my-lb-1.us-east-1.elb.amazonaws.com.', evaluateTargetHealth: false },
    });
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('this name is a Route 53 alias; apexsync manages plain A/AAAA records');
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 1 failed');
    expect(writes()).toBe(0);
    expect(fake.recordSet(zoneId, 'example.com', 'A')?.aliasTarget).toBeDefined();
  });

  it('survives a throttling storm with the default retry policy, and counts the retries at the wire', async () => {
    fake.inject({ error: 'Throttling', operation: 'ListResourceRecordSets', times: 2 });
    fake.inject({ error: 'PriorRequestNotComplete', operation: 'ChangeResourceRecordSets', times: 1 });
    const result = await sync('--log-level', 'debug');
    expect(result.code).toBe(0);
    expect(values('example.com', 'A')).toEqual(EDGE_A);
    expect(fake.calls.ListResourceRecordSets).toBe(3);
    expect(fake.calls.ChangeResourceRecordSets).toBe(2);
    expect(fake.retries('ListResourceRecordSets')).toBe(2);
    expect(fake.retries('ChangeResourceRecordSets')).toBe(1);
    expect(fake.batches.filter((b) => b.result === 'applied')).toHaveLength(1);
    // The adapter's debug log saw each retry (three lines), never the secret (checked in sync()).
    expect(result.stderr.match(/Route 53 call failed; retrying/g)).toHaveLength(3);
  });

  it('reads 50 names in a zone of 2 000 record sets in 7 pages and writes them in one batch', async () => {
    const big = fake.createZone('big.example');
    const hosts = Array.from({ length: 1998 }, (_, i) => `host${String(i).padStart(4, '0')}.big.example`);
    for (const host of hosts) fake.setRecordSet(big, { name: host, type: 'TXT', ttl: 300, values: ['"filler"'] });
    const managed = hosts.filter((_, i) => i % 40 === 0);
    expect(managed).toHaveLength(50);
    writeConfig(managed.map((name) => `  - { name: ${name}, target: lb.target.test, families: [A] }`).join('\n'));
    fake.resetCounters();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 50 updated, 0 in sync, 0 failed');
    // ceil(2000 / 300) = 7, and the names are spread so that no fewer pages can cover them.
    expect(fake.calls.ListResourceRecordSets).toBe(7);
    expect(fake.calls.ListHostedZonesByName).toBe(1);
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
    expect(fake.batches[0]?.changes).toHaveLength(50);
    for (const name of managed) expect(fake.recordSet(big, name, 'A')?.values).toEqual(EDGE_A);
  });

  it('splits a zone’s changes only at the 1 000-record limit and never splits a name', async () => {
    dns.setAddresses('edge.target.test', 'A', ['93.184.216.1', '93.184.216.2', '93.184.216.3'], 120);
    dns.setAddresses('edge.target.test', 'AAAA', ['2606:2800:220:1::1', '2606:2800:220:1::2', '2606:2800:220:1::3'], 120);
    const names = Array.from({ length: 200 }, (_, i) => `n${String(i).padStart(3, '0')}.example.com`);
    writeConfig(names.map((name) => `  - { name: ${name}, target: lb.target.test }`).join('\n'));
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 200 updated, 0 in sync, 0 failed');
    // 6 records per name: 166 names (996 records) fit in the first batch.
    expect(fake.batches.map((b) => [b.result, b.records])).toEqual([
      ['applied', 996],
      ['applied', 204],
    ]);
    const batchOf = new Map<string, number>();
    fake.batches.forEach((batch, index) => {
      for (const change of batch.changes) {
        expect(batchOf.get(change.name) ?? index).toBe(index);
        batchOf.set(change.name, index);
      }
    });
    expect(batchOf.size).toBe(200);
  });

  it('says "could not confirm" (once, on one line) for a write answered by HTML or cut mid-body, exits 1, then converges', async () => {
    fake.inject({ error: 'html-200', operation: 'ChangeResourceRecordSets', times: 1 });
    const html = await sync();
    expect(html.code).toBe(1);
    expect(html.stdout).toContain('! apply: could not confirm: the response carried no change id');
    expect(html.stdout).not.toContain('✓ applied');
    expect(values('example.com', 'A')).toBeUndefined(); // the page came from something in front of Route 53
    expect(writes()).toBe(1);

    fake.resetCounters();
    fake.inject({ error: 'cut-200', operation: 'ChangeResourceRecordSets', times: 1 });
    const cut = await sync();
    expect(cut.code).toBe(1);
    const apply = cut.stdout.split('\n').filter((line) => line.includes('! apply:'));
    expect(apply).toHaveLength(1);
    expect(apply[0]).toMatch(
      /^\s*! apply: could not confirm: Route 53 answered ChangeResourceRecordSets with HTTP 200, but the answer could not be read \(.*\); the records may or may not have changed/,
    );
    expect(apply[0]?.match(/could not confirm/g)).toHaveLength(1);
    expect(cut.stdout).not.toMatch(/not applied|Deserialization/);
    expect(values('example.com', 'A')).toEqual(EDGE_A); // Route 53 did apply it
    expect(writes()).toBe(1);

    fake.resetCounters();
    const next = await sync();
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(writes()).toBe(0);
  });

  it('an HTML page with status 200 instead of the record listing is a read failure, not "no records": exit 1, nothing written', async () => {
    fake.setRecordSet(zoneId, { name: 'example.com', type: 'A', ttl: 120, values: EDGE_A });
    fake.resetCounters();
    fake.inject({ error: 'html-200', operation: 'ListResourceRecordSets', times: 1 });
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Route 53 answered the listing with something that is not a ListResourceRecordSets response');
    expect(result.stdout).not.toMatch(/conflict|✓ applied/);
    expect(fake.calls.ListResourceRecordSets).toBe(1);
    expect(writes()).toBe(0);
  });

  it('shows the native-alias hint for an AWS target, and names the missing permission on AccessDenied', async () => {
    dns.setAddresses('my-app-123.us-east-1.elb.amazonaws.com', 'A', EDGE_A, 60);
    writeConfig('  - { name: example.com, target: my-app-123.us-east-1.elb.amazonaws.com, families: [A] }');
    fake.inject({ error: 'AccessDenied', operation: 'ChangeResourceRecordSets', times: 1 });
    const result = await sync('--log-level', 'trace');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/hint: .*Elastic Load Balancing.*Route 53 alias/);
    expect(result.stdout).toContain('route53:ChangeResourceRecordSets');
    expect(values('example.com', 'A')).toBeUndefined();
    expect(fake.requests.every((r) => r.accessKeyId === ACCESS_KEY_ID)).toBe(true);
    dns.remove('my-app-123.us-east-1.elb.amazonaws.com');
  });
});
