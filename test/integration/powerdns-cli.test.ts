import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startPowerDns, type PowerDnsServer } from '../support/authoritative/powerdns.js';
import { freePort } from '../support/authoritative/server.js';
import { startHttpCounter, type HttpCounter } from '../support/http-counter.js';

/**
 * The built CLI end to end against a real PowerDNS Authoritative 4.7 through its HTTP API (the
 * `powerdns` provider). PowerDNS also serves the target zone (the resolver's server). Every
 * assertion about the apex is a DNS query to PowerDNS; API requests are counted by a relay in
 * front of its webserver. The tests run in order, like consecutive cron runs.
 */

let pdns: PowerDnsServer;
let api: HttpCounter;
let dir: string;
const outputs: string[] = [];

beforeAll(async () => {
  pdns = await startPowerDns({
    targetRecords: ['www 30 CNAME app', 'app 300 A 52.4.7.1', 'app 300 A 52.4.18.2', 'app 300 AAAA 2600:1f18:4a3:6900::7', 'slow 7200 A 52.4.99.1'],
    apexRecords: ['@ 3600 A 52.4.1.1', 'gone 3600 A 52.4.2.2', 'alias CNAME elsewhere.target.test.'],
  });
  api = await startHttpCounter(pdns.api.url);
  dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-powerdns-cli-'));
  await writeConfig('apexsync.yaml', {});
});

afterAll(async () => {
  await api?.close();
  await pdns?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function writeConfig(file: string, o: { url?: string; timeoutMs?: number }): Promise<string> {
  const configPath = path.join(dir, file);
  await writeFile(
    configPath,
    `resolver: { servers: ["${pdns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  pdns:
    type: powerdns
    url: "${o.url ?? api.url}"
    apiKey: "\${PDNS_API_KEY}"
    timeoutMs: ${o.timeoutMs ?? 5000}
defaults: { provider: pdns, ttl: { min: 60, max: 3600 } }
records:
  - { name: example.test, target: www.target.test }
  - { name: mid.example.test, target: app.target.test }
  - { name: slow.example.test, target: slow.target.test, families: [A] }
  - { name: gone.example.test, target: gone.target.test }
  - { name: alias.example.test, target: app.target.test }
  - { name: www.missing.test, target: app.target.test }
`,
  );
  return configPath;
}

async function sync(args: readonly string[], options: { config?: string; apiKey?: string } = {}): Promise<CliResult> {
  const result = await runCli(['sync', '-c', options.config ?? path.join(dir, 'apexsync.yaml'), ...args], {
    cwd: dir,
    env: { PDNS_API_KEY: options.apiKey ?? pdns.api.key },
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

async function untouchable(): Promise<string> {
  return pdns.snapshot('example.test', ['MX', 'TXT', 'CAA', 'NS', 'SOA']);
}

const APEX = ['--record', 'example.test', '--record', 'mid.example.test', '--record', 'slow.example.test'];

describe('apexsync sync against PowerDNS through its HTTP API', () => {
  let untouchedBefore: string;

  it('a wrong API key is reported as such, exit 1, and nothing is written', async () => {
    untouchedBefore = await untouchable();
    api.reset();
    const wrongKey = 'not-the-key-0123456789';
    const result = await sync(['--record', 'example.test'], { apiKey: wrongKey });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/refused the API key \(HTTP 401/);
    expect(result.stdout + result.stderr).not.toContain(wrongKey);
    expect(api.count('PATCH')).toBe(0);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.1.1'] });
  });

  it('--dry-run reads through the API and sends no PATCH', async () => {
    api.reset();
    const result = await sync(['--dry-run', ...APEX]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     3600 → 60  52.4.1.1 → 52.4.7.1, 52.4.18.2');
    expect(result.stdout).toContain('(dry run: nothing was written)');
    expect(api.count('GET')).toBeGreaterThan(0);
    expect(api.count('PATCH')).toBe(0);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.1.1'] });
  });

  it('first sync writes all names of the zone in one PATCH', async () => {
    api.reset();
    const result = await sync(APEX);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 3 updated, 0 in sync, 0 failed');
    expect(api.count('PATCH')).toBe(1);
    // One zone listing (discovery) and one read of the zone.
    expect(api.requests().filter((r) => r.startsWith('GET '))).toEqual(['GET /api/v1/servers/localhost/zones', 'GET /api/v1/servers/localhost/zones/example.test.']);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await pdns.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18:4a3:6900::7'] });
    expect(await pdns.rrset('mid.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await pdns.rrset('slow.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.99.1'] });
    expect(await pdns.rrset('slow.example.test', 'AAAA')).toBeUndefined();
  });

  it('a second sync sends no PATCH', async () => {
    api.reset();
    const result = await sync(APEX);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 0 updated, 3 in sync, 0 failed');
    expect(api.count('PATCH')).toBe(0);
  });

  it('a target address change propagates', async () => {
    await pdns.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.77.7'], 300);
    api.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     60     52.4.7.1, 52.4.18.2 → 52.4.7.1, 52.4.77.7');
    expect(api.count('PATCH')).toBe(1);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('AAAA removed at the target removes it at the apex while A stays', async () => {
    await pdns.setAddresses('target.test', 'app.target.test', 'AAAA', []);
    api.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('- AAAA         2600:1f18:4a3:6900::7');
    expect(api.count('PATCH')).toBe(1);
    expect(await pdns.rrset('example.test', 'AAAA')).toBeUndefined();
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('failures leave the records as they were: NXDOMAIN target, CNAME at the name, no such zone', async () => {
    api.reset();
    const result = await sync(['--record', 'gone.example.test', '--record', 'alias.example.test', '--record', 'www.missing.test']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 3 failed');
    expect(result.stdout).toMatch(/gone\.example\.test[\s\S]*NXDOMAIN/);
    expect(result.stdout).toMatch(/alias\.example\.test[\s\S]*CNAME at the name \(points to elsewhere\.target\.test\)/);
    expect(result.stdout).toMatch(/www\.missing\.test[\s\S]*holds no zone for www\.missing\.test/);
    expect(api.count('PATCH')).toBe(0);
    expect(await pdns.rrset('gone.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.2.2'] });
  });

  it('PowerDNS refusing the PATCH (422) is reported in its own words, and no name of the zone is changed', async () => {
    await pdns.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.66.6'], 300);
    // Between apexsync's read and its PATCH, someone turns mid.example.test into a CNAME:
    // PowerDNS refuses A records next to it, and so the whole PATCH.
    api.beforeNext('PATCH', () =>
      pdns.nsupdate('example.test', ['update delete mid.example.test. A', 'update delete mid.example.test. AAAA', 'update add mid.example.test. 300 CNAME elsewhere.target.test.']),
    );
    api.reset();
    const result = await sync(['--record', 'example.test', '--record', 'mid.example.test']);
    expect(result.code).toBe(1);
    expect(api.count('PATCH')).toBe(1);
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 2 failed');
    expect(result.stdout).toMatch(/refused the change of zone example\.test \(HTTP 422: RRset mid\.example\.test\. IN A: Conflicts with pre-existing RRset\); nothing applied/);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('an unreachable API is reported as such, and the records stay', async () => {
    const closed = await freePort();
    const config = await writeConfig('unreachable.yaml', { url: `http://127.0.0.1:${closed}` });
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`cannot reach PowerDNS at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED; the list of zones\\)`));
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('a PATCH without an answer in time is reported as could not confirm; the next run converges', async () => {
    const config = await writeConfig('slow.yaml', { timeoutMs: 500 });
    await pdns.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.44.4'], 300);
    api.beforeNext('PATCH', () => new Promise((resolve) => setTimeout(resolve, 1_500)));
    api.reset();
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(api.count('PATCH')).toBe(1);
    expect(result.stdout).toMatch(/could not confirm/i);
    expect(result.stdout).toMatch(/did not answer within 500 ms \(the change of zone example\.test\)/);
    const next = await sync(['--record', 'example.test']);
    expect(next.code).toBe(0);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.44.4', '52.4.7.1'] });
  });

  it('check reads every record through the API and sends no PATCH', async () => {
    api.reset();
    const config = await writeConfig('check.yaml', {});
    await writeFile(
      config,
      (await readFile(config, 'utf8')).replace(
        /records:[\s\S]*/,
        'records:\n  - { name: example.test, target: www.target.test }\n  - { name: slow.example.test, target: slow.target.test }\n',
      ),
    );
    const result = await runCli(['check', '-c', config], {
      cwd: dir,
      env: { PDNS_API_KEY: pdns.api.key },
    });
    outputs.push(result.stdout, result.stderr);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Check: 2 readable, 0 failed');
    expect(api.count('GET')).toBeGreaterThan(0);
    expect(api.count('PATCH')).toBe(0);
  });

  it('never touched MX, TXT, CAA or NS at the apex (the SOA only by its serial)', async () => {
    const now = await untouchable();
    const withoutSoa = (text: string): string =>
      text
        .split('\n')
        .filter((line) => !line.startsWith('SOA'))
        .join('\n');
    expect(withoutSoa(now)).toBe(withoutSoa(untouchedBefore));
    expect(now).toMatch(/MX NOERROR 3600 .*mail\.example\.test/);
  });

  it('the API key never appeared in any output', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(16);
    for (const output of outputs) expect(output).not.toContain(pdns.api.key);
  });
});
