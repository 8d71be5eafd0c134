import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * The built CLI end to end: a real process, a temp zone file, and the in-process DNS server
 * serving the targets. Every file the CLI writes must load in BIND (named-checkzone).
 */

const ZONE = `$ORIGIN example.com.
$TTL 3600
; apex of example.com, flattened by apexsync
@   IN SOA ns1.example.com. hostmaster.example.com. (
        2024010100 ; serial
        7200 3600 1209600 300 )
    IN NS  ns1.example.com.
    IN MX  10 mail.example.com.
    IN TXT "v=spf1 -all ; not a comment"
    IN CAA 0 issue "letsencrypt.org"
@   300 IN A 198.18.0.1
ns1 IN A 192.0.2.53
mail IN A 192.0.2.25
www IN CNAME example.com.
shop 600 IN A 151.101.1.10
`;

let dns: TestDnsServer;
let dir: string;
let zoneFile: string;
let configFile: string;

function writeConfig(extra = '', records?: string): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 300, attempts: 1 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
${
  records ??
  `  - { name: example.com, target: lb.target.test }
  - { name: shop.example.com, target: shop.target.test, families: [A] }`
}
${extra}`,
  );
}

const sync = (...args: string[]) => runCli(['sync', '-c', configFile, ...args], { cwd: dir });
const zone = (): string => readFileSync(zoneFile, 'utf8');

function checkzone(): void {
  // Throws (fails the test) unless BIND loads the file.
  execFileSync('named-checkzone', ['example.com', zoneFile], { env: { PATH: `${process.env.PATH}:/usr/sbin` } });
}

beforeAll(async () => {
  dns = await startTestDnsServer();
});
afterAll(async () => {
  await dns.close();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-cli-'));
  zoneFile = path.join(dir, 'example.com.zone');
  configFile = path.join(dir, 'apexsync.yaml');
  writeFileSync(zoneFile, ZONE);
  for (const name of ['lb.target.test', 'edge.target.test', 'shop.target.test']) {
    dns.setBehaviour(name, null);
    dns.remove(name);
  }
  dns.setCname('lb.target.test', 'edge.target.test', 600);
  dns.setAddresses('edge.target.test', 'A', ['93.184.216.34', '93.184.216.35'], 120);
  dns.setAddresses('edge.target.test', 'AAAA', ['2606:2800:220:1:248:1893:25c8:1946'], 120);
  dns.setAddresses('shop.target.test', 'A', ['151.101.1.10'], 600);
  writeConfig();
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('apexsync sync with a zone file', () => {
  it('first sync writes the target addresses, bumps the serial, keeps everything else', async () => {
    const result = await sync();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('example.com  (files · zone example.com)  ← lb.target.test');
    expect(result.stdout).toContain('~ A     300 → 120  198.18.0.1 → 93.184.216.34, 93.184.216.35');
    expect(result.stdout).toContain('+ AAAA  120    2606:2800:220:1:248:1893:25c8:1946');
    expect(result.stdout).toContain('Summary: 1 updated, 1 in sync, 0 failed');

    const text = zone();
    checkzone();
    expect(text).not.toContain('198.18.0.1');
    expect(text).toMatch(/93\.184\.216\.34/);
    expect(text).toMatch(/93\.184\.216\.35/);
    expect(text).toMatch(/2606:2800:220:1:248:1893:25c8:1946/);
    // Only the apex A/AAAA lines and the serial differ.
    const before = ZONE.split('\n').filter((l) => !/^@\s+300 IN A/.test(l) && !/2024010100/.test(l));
    for (const line of before) expect(text.split('\n')).toContain(line);
    expect(text).not.toContain('2024010100');
  });

  it('a second sync leaves the file byte for byte unchanged', async () => {
    expect((await sync()).code).toBe(0);
    const after = zone();
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Summary: 0 updated, 2 in sync, 0 failed');
    expect(zone()).toBe(after);
  });

  it('a target change propagates on the next sync', async () => {
    expect((await sync()).code).toBe(0);
    dns.setAddresses('edge.target.test', 'A', ['93.184.216.99'], 120);
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     120    93.184.216.34, 93.184.216.35 → 93.184.216.99');
    const text = zone();
    checkzone();
    expect(text).toContain('93.184.216.99');
    expect(text).not.toContain('93.184.216.34');
  });

  it('AAAA gone at the target removes it at the apex while A stays', async () => {
    expect((await sync()).code).toBe(0);
    dns.setAddresses('edge.target.test', 'AAAA', []);
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('- AAAA');
    const text = zone();
    checkzone();
    expect(text).not.toContain('2606:2800:220:1:248:1893:25c8:1946');
    expect(text).toContain('93.184.216.34');
  });

  it.each([
    ['SERVFAIL', 'servfail' as const, /SERVFAIL/],
    ['a timeout', 'drop' as const, /no answer from 127\.0\.0\.1:\d+/],
  ])('%s leaves the file untouched and exits 1', async (_what, behaviour, reason) => {
    dns.setBehaviour('lb.target.test', behaviour);
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(reason);
    expect(result.stdout).toContain('Summary: 0 updated, 1 in sync, 1 failed');
    expect(zone()).toBe(ZONE);
  });

  it('NXDOMAIN for the target leaves the apex as it was and exits 1', async () => {
    dns.remove('edge.target.test');
    const result = await sync('--output', 'json');
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as { records: Array<{ name: string; status: string; changes: unknown[] }> };
    expect(doc.records.find((r) => r.name === 'example.com')).toMatchObject({ status: 'failed', changes: [] });
    expect(zone()).toBe(ZONE);
  });

  it('refuses a special-purpose address and says why', async () => {
    dns.setAddresses('edge.target.test', 'A', ['10.1.2.3'], 120);
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('refused special-purpose address 10.1.2.3 (Private-Use, RFC 1918); set allowSpecialAddresses: true to publish it');
    // The AAAA family alone is not published either: the A family failed, so nothing of the name changes wrongly.
    expect(zone()).not.toContain('10.1.2.3');
    expect(zone()).toContain('198.18.0.1');
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const result = await sync('--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     300 → 120  198.18.0.1 → 93.184.216.34, 93.184.216.35');
    expect(result.stdout).toContain('Summary: 1 would update, 1 in sync, 0 failed (dry run: nothing was written)');
    expect(zone()).toBe(ZONE);
  });

  it('--output json follows the documented schema', async () => {
    const result = await sync('--output', 'json', '--dry-run');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as unknown;
    expect(doc).toEqual({
      records: [
        {
          name: 'example.com',
          provider: 'files',
          zone: 'example.com',
          target: 'lb.target.test',
          status: 'would-update',
          changes: [
            { family: 'A', action: 'update', before: { ttl: 300, values: ['198.18.0.1'] }, after: { ttl: 120, values: ['93.184.216.34', '93.184.216.35'] } },
            { family: 'AAAA', action: 'create', before: null, after: { ttl: 120, values: ['2606:2800:220:1:248:1893:25c8:1946'] } },
          ],
          outcome: null,
          error: null,
        },
        { name: 'shop.example.com', provider: 'files', zone: 'example.com', target: 'shop.target.test', status: 'in-sync', changes: [], outcome: null, error: null },
      ],
      summary: { records: 2, inSync: 1, updated: 0, wouldUpdate: 1, failed: 0, dryRun: true },
    });
  });

  it('--record limits the run to the named records', async () => {
    dns.setAddresses('shop.target.test', 'A', ['151.101.1.11'], 600);
    const result = await sync('--record', 'SHOP.example.com.');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('lb.target.test');
    expect(zone()).toContain('151.101.1.11');
    expect(zone()).toContain('198.18.0.1');
    const unknown = await sync('--record', 'nope.example.com');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(`apexsync: --record nope.example.com: no such record in ${configFile}`);
  });

  it('one failing record does not stop the others', async () => {
    dns.setBehaviour('lb.target.test', 'servfail');
    dns.setAddresses('shop.target.test', 'A', ['151.101.1.12'], 600);
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Summary: 1 updated, 0 in sync, 1 failed');
    expect(zone()).toContain('151.101.1.12');
    expect(zone()).toContain('198.18.0.1');
    checkzone();
  });

  it('a CNAME at the managed name is a conflict, never overwritten', async () => {
    writeConfig('', '  - { name: www.example.com, target: lb.target.test }');
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/CNAME/);
    expect(zone()).toBe(ZONE);
  });

  it('a bad config exits 2 with one line per problem and no stack trace', async () => {
    writeFileSync(configFile, `providers:\n  files: { type: zonefile, file: x.zone }\nrecords:\n  - { name: "bad name", target: lb.target.test, colour: red }\n`);
    const result = await sync();
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual(['apexsync: records[0].name: not a hostname', "apexsync: records[0]: unknown field 'colour'"]);
    const usage = await runCli(['sync', '--output', 'yaml'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('apexsync check', () => {
  it('reads every record from the provider and writes nothing', async () => {
    const result = await runCli(['check', '-c', configFile], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`config ${configFile}: 2 record(s), 1 provider(s)`);
    expect(result.stdout).toMatch(/example\.com  \(files · zone example\.com\)  ← lb\.target\.test\n  A     300\s+198\.18\.0\.1\n  AAAA  \(none\)/);
    expect(result.stdout).toContain('Check: 2 readable, 0 failed');
    expect(zone()).toBe(ZONE);
    // check does not resolve targets: it only looks up the zone's NS set, to ask its servers.
    dns.resetQueries();
    await runCli(['check', '-c', configFile], { cwd: dir });
    expect(dns.queries.map((q) => `${q.name} ${q.type}`)).toEqual(['example.com NS']);
  });
});

describe('apexsync resolve', () => {
  it('shows the chain, the TTL and the class of each family', async () => {
    const result = await runCli(['resolve', 'LB.target.test.', '--server', dns.address]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('lb.target.test → CNAME edge.target.test  (ttl 600)');
    expect(result.stdout).toContain('A     addresses (ttl 120): 93.184.216.34, 93.184.216.35');
    expect(result.stdout).toContain('AAAA  addresses (ttl 120): 2606:2800:220:1:248:1893:25c8:1946');
  });

  it('exits 1 on a failure and says why', async () => {
    dns.setBehaviour('lb.target.test', 'servfail');
    const result = await runCli(['resolve', 'lb.target.test', '--server', dns.address]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/A     failure: .*SERVFAIL/);
  });
});
