import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * The built CLI against zone files that are hostile or careless: a `$GENERATE` that would expand
 * to gigabytes, and a file without `$TTL` whose records inherit their TTL across the managed
 * line. Each is refused with a clear message and exit 1, the file untouched, and `--dry-run`
 * says exactly what the real run does.
 */

let dns: TestDnsServer;
let dir: string;
let zoneFile: string;

beforeAll(async () => {
  dns = await startTestDnsServer();
  dns.setAddresses('lb.bounds.test', 'A', ['93.184.216.34'], 300);
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-zone-bounds-'));
  zoneFile = path.join(dir, 'example.com.zone');
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: lb.bounds.test, families: [A] }
`,
  );
  return () => rmSync(dir, { recursive: true, force: true });
});

const sync = (...args: string[]) => runCli(['sync', '-c', 'apexsync.yaml', ...args], { cwd: dir });
const zone = (): string => readFileSync(zoneFile, 'utf8');

describe('zone file bounds', () => {
  it('a $GENERATE with a 300 000 000-character width is refused (exit 1, file untouched), not an out-of-memory crash', async () => {
    const text = `$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n@ IN A 198.18.0.1\n$GENERATE 1-100 host-\${0,300000000,d} A 192.0.2.$\n`;
    writeFileSync(zoneFile, text);
    for (const args of [['--dry-run'], []]) {
      const result = await sync(...args);
      expect(result.code).toBe(1);
      expect(`${result.stdout}${result.stderr}`).toMatch(/\$GENERATE width 300000000 .* is larger than 2048/);
      expect(result.stderr).not.toMatch(/heap|Allocation failed|\n\s+at /);
      expect(zone()).toBe(text);
    }
  });

  it('a $GENERATE range of more than 65 536 iterations is refused the same way', async () => {
    const text = `$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n$GENERATE 0-4294967295 h$ A 192.0.2.1\n`;
    writeFileSync(zoneFile, text);
    const result = await sync();
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/\$GENERATE range '0-4294967295' is too large/);
    expect(zone()).toBe(text);
  });

  it('a file without $TTL whose records inherit their TTL across the apex: --dry-run predicts the refusal of the real sync', async () => {
    const legacy = '$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN A 198.18.0.1\n  IN NS ns1\nns1 IN A 192.0.2.53\n';
    writeFileSync(zoneFile, legacy);
    const dry = await sync('--dry-run');
    const real = await sync();
    for (const result of [dry, real]) {
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/has no \$TTL line and example\.com NS \(line 4\) takes its TTL from the record before it/);
      expect(result.stdout).toMatch(/0 (would update|updated), 0 in sync, 1 failed/);
    }
    expect(zone()).toBe(legacy);

    // With a $TTL line the same file is written, as the dry run then says.
    writeFileSync(zoneFile, legacy.replace('$ORIGIN example.com.\n', '$ORIGIN example.com.\n$TTL 3600\n'));
    const fixedDry = await sync('--dry-run');
    expect(fixedDry.code).toBe(0);
    expect(fixedDry.stdout).toMatch(/1 would update/);
    expect((await sync()).code).toBe(0);
    expect(zone()).toMatch(/^@ 300 IN A 93\.184\.216\.34$/m);
  });

  it('a file without $TTL whose inheriting records are not after the apex lines is still written', async () => {
    const legacy = '$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 3600 IN A 192.0.2.53\n@ 300 IN A 198.18.0.1\n';
    writeFileSync(zoneFile, legacy);
    const dry = await sync('--dry-run');
    expect(dry.code).toBe(0);
    expect((await sync()).code).toBe(0);
    expect(zone()).toMatch(/^@ 300 IN A 93\.184\.216\.34$/m);
  });
});
