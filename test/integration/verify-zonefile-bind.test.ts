import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../support/bind-zone.js';
import { runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * A zone file served by a real BIND whose reload fails the first time: the first run fails
 * (exit 1) and BIND keeps the old addresses; the next run, with nothing left to write, reloads
 * because the reload is owed, and BIND serves the new addresses (exit 0).
 */
const ZONE = `$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 2024010100 3600 600 86400 60
  IN NS ns1
ns1 IN A 192.0.2.53
@ IN A 198.18.0.1
`;

let bind: ZoneServer;
let dns: TestDnsServer;
let dir: string;
beforeAll(async () => {
  [bind, dns] = await Promise.all([startZoneServer({ zone: 'example.com', zoneText: ZONE }), startTestDnsServer()]);
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-verify-zonefile-'));
  dns.setAddresses('edge.target.test', 'A', ['93.184.216.34'], 120);
});
afterAll(async () => {
  await Promise.all([bind?.close(), dns?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('zone file on BIND with a reload that fails once', () => {
  it('fails the run, keeps the reload owed, and the next run reloads until BIND serves the file', async () => {
    const marker = path.join(dir, 'failed-once');
    const reload = ['sh', '-c', `if [ -e '${marker}' ]; then ${bind.reloadArgv[2]}; else touch '${marker}'; echo 'rndc: connect failed' >&2; exit 1; fi`];
    const config = path.join(dir, 'apexsync.yaml');
    writeFileSync(
      config,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  files: { type: zonefile, file: "${bind.zoneFile}", reloadCommand: ${JSON.stringify(reload)}, verify: { servers: ["${bind.address}"], timeout: 20s } }
records:
  - { name: example.com, target: edge.target.test, families: [A] }
`,
    );
    const first = await runCli(['sync', '-c', config], { cwd: dir });
    expect(first.code, first.stdout).toBe(1);
    expect(first.stdout).toContain('reload command failed (sh exited with 1: rndc: connect failed)');
    expect(await bind.addresses('example.com', 'A')).toEqual(['198.18.0.1']);
    expect(existsSync(path.join(bind.dir, '.example.com.zone.reload-owed'))).toBe(true);

    const second = await runCli(['sync', '-c', config], { cwd: dir });
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(second.stdout).toContain('served by 1/1');
    expect(await bind.addresses('example.com', 'A')).toEqual(['93.184.216.34']);
    expect(existsSync(path.join(bind.dir, '.example.com.zone.reload-owed'))).toBe(false);
  });

  it('a server that does not serve the file (no reload since it changed) is reloaded and checked again', async () => {
    // The file is already what the target says, but BIND still serves its older copy: as after a
    // reload that never ran, or a server restarted on an old file.
    dns.setAddresses('edge.target.test', 'A', ['93.184.216.77'], 120);
    writeFileSync(
      bind.zoneFile,
      readFileSync(bind.zoneFile, 'utf8')
        .replace('93.184.216.34', '93.184.216.77')
        .replace(/\d{10}/, (serial) => String(Number(serial) + 1)),
    );
    expect(await bind.addresses('example.com', 'A')).toEqual(['93.184.216.34']);
    const config = path.join(dir, 'lagging.yaml');
    writeFileSync(
      config,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  files: { type: zonefile, file: "${bind.zoneFile}", reloadCommand: ${JSON.stringify(bind.reloadArgv)}, verify: { servers: ["${bind.address}"], timeout: 20s } }
records:
  - { name: example.com, target: edge.target.test, families: [A] }
`,
    );
    const result = await runCli(['sync', '-c', config], { cwd: dir });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(result.stdout).toContain('served by 1/1');
    expect(await bind.addresses('example.com', 'A')).toEqual(['93.184.216.77']);
  });
});
