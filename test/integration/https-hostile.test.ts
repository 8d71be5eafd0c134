import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSvcbRdata, parseSvcbPresentation } from '../../src/dns/svcb.js';
import { runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * HTTPS answers from the in-process server, well-formed or hostile, through the built CLI and the
 * zone-file provider: a malformed RDATA fails the record and leaves the name's HTTPS record (and
 * the whole file) as it was; a good one is published.
 */

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. 2024010100 7200 3600 1209600 300
    IN NS  ns1.example.com.
@   300 IN A 93.184.216.34
@   300 IN HTTPS 1 . alpn="h2" ipv4hint=93.184.216.34
ns1 IN A 192.0.2.53
`;

let dns: TestDnsServer;
let dir: string;
let zoneFile: string;
let configFile: string;

beforeAll(async () => {
  dns = await startTestDnsServer();
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-https-hostile-'));
  zoneFile = path.join(dir, 'example.com.zone');
  configFile = path.join(dir, 'apexsync.yaml');
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 1 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: edge.target.test, families: [A], https: mirror }
`,
  );
  dns.setAddresses('edge.target.test', 'A', ['93.184.216.34'], 300);
});
afterAll(async () => {
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('HTTPS answers that cannot be trusted', () => {
  const hostile: ReadonlyArray<[string, Buffer, RegExp]> = [
    ['SvcParamKeys out of order', hex('0001 00 0003 0002 01bb 0001 0003 026832'), /not in strictly increasing order/],
    ['a value running past the RDATA', hex('0001 00 0001 00ff 026832'), /runs past the RDATA/],
    ['a compression pointer as TargetName', hex('0001 c00c'), /compressed/],
    ['an ipv4hint of 3 bytes', hex('0001 00 0004 0003 5db8d8'), /ipv4hint/],
    ['mandatory naming a key the record lacks', hex('0001 00 0000 0002 0005 0001 0003 026832'), /mandatory lists ech/],
  ];
  for (const [what, rdata, reason] of hostile) {
    it(`${what}: the record fails (exit 1), the zone file is untouched`, async () => {
      writeFileSync(zoneFile, ZONE);
      dns.setHttps('edge.target.test', [rdata], 300);
      const result = await runCli(['sync', '-c', configFile, '--output', 'json'], { cwd: dir });
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as { records: Array<{ status: string; error: { stage: string; kind: string; message: string } }> };
      expect(report.records[0]).toMatchObject({ status: 'failed', error: { stage: 'resolve', kind: 'malformed' } });
      expect(report.records[0]!.error.message).toMatch(reason);
      expect(readFileSync(zoneFile, 'utf8')).toBe(ZONE);
    });
  }

  it('a well-formed answer is published, hints rewritten', async () => {
    writeFileSync(zoneFile, ZONE);
    dns.setHttps('edge.target.test', [encodeSvcbRdata(parseSvcbPresentation('1 . alpn="h3,h2" ipv4hint=198.51.100.7'))], 300);
    const result = await runCli(['sync', '-c', configFile], { cwd: dir });
    expect(result.code).toBe(0);
    expect(readFileSync(zoneFile, 'utf8')).toMatch(/^@ +300 +IN +HTTPS +1 \. alpn="h3,h2" ipv4hint=93\.184\.216\.34$/m);
  });
});
