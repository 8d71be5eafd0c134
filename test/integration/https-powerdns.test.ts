import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSvcbValues, parseSvcbPresentation } from '../../src/dns/svcb.js';
import { startPowerDns, type PowerDnsServer } from '../support/authoritative/powerdns.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startHttpCounter, type HttpCounter } from '../support/http-counter.js';

/**
 * HTTPS records through the built CLI and the `powerdns` provider, against a real PowerDNS
 * Authoritative 4.7: PowerDNS serves the target zone (HTTPS beside the addresses, behind a CNAME)
 * and holds the apex zone, written through its HTTP API. What the apex holds is asked of
 * PowerDNS's DNS port with `dig +norec`; API requests are counted by a relay. The tests build on
 * each other, like cron runs.
 */

const run = promisify(execFile);
const PATHS = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const ECH_1 = 'AEX+DQBBpQAgACB/bfoHyjM0eaqF';
const ECH_2 = 'AEX+DQBBzzzzACB/bfoHyjM0eaqF';
const EDGE_A = '93.184.216.34';
const EDGE_AAAA = '2606:2800:220:1:248:1893:25c8:1946';
/** Every kind of SvcParam PowerDNS prints its own way: a key list, an alpn id with a comma, a flag, keys it has no name for. */
const RICH = '1 . mandatory=alpn,port alpn="h2,a\\\\,b" no-default-alpn port=8443 ipv6hint=2001:db8::1 key7="/q{?dns}" key65000="x y"';

let pdns: PowerDnsServer;
let api: HttpCounter;
let dir: string;

beforeAll(async () => {
  pdns = await startPowerDns({
    targetRecords: [
      'www 120 CNAME edge',
      `edge 300 A ${EDGE_A}`,
      `edge 300 AAAA ${EDGE_AAAA}`,
      `edge 300 HTTPS 1 . alpn="h3,h2" ipv4hint=198.51.100.1 ipv6hint=2001:db8::1 ech=${ECH_1}`,
      'pool 300 A 93.184.216.35',
      'rich 300 A 93.184.216.36',
      `rich 300 HTTPS ${RICH}`,
    ],
    apexRecords: ['@ 3600 A 52.4.1.1', 'alias 3600 A 52.4.2.2', 'odd 3600 A 52.4.3.3', 'odd 3600 HTTPS 1 . port=8443'],
  });
  api = await startHttpCounter(pdns.api.url);
  dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-https-powerdns-'));
  await writeFile(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${pdns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  pdns: { type: powerdns, url: "${api.url}", apiKey: "\${PDNS_API_KEY}", timeoutMs: 5000 }
defaults: { provider: pdns, ttl: { min: 60, max: 3600 } }
verify: { mode: off }
records:
  - { name: example.test, target: www.target.test, https: mirror }
  - { name: alias.example.test, target: pool.target.test, families: [A], https: alias }
  - { name: odd.example.test, target: www.target.test, families: [A], https: mirror }
  - { name: rich.example.test, target: rich.target.test, families: [A], https: mirror }
`,
  );
}, 60_000);

afterAll(async () => {
  await api?.close();
  await pdns?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sync(...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', path.join(dir, 'apexsync.yaml'), ...args], { cwd: dir, env: { PDNS_API_KEY: pdns.api.key } });
  expect(result.stdout + result.stderr).not.toContain(pdns.api.key);
  return result;
}

/** What PowerDNS serves at `name` for HTTPS (dig +norec), as canonical records, and the TTL. */
async function served(name: string): Promise<{ ttl: number | undefined; records: string[] }> {
  const { stdout } = await run('dig', ['+norec', '+noall', '+answer', '-p', String(pdns.port), '@127.0.0.1', name, 'HTTPS'], { env: { ...process.env, PATH: PATHS } });
  const lines = stdout.split('\n').filter((line) => /\sIN\s+HTTPS\s/.test(line));
  const ttl = lines.length > 0 ? Number(lines[0]!.split(/\s+/)[1]) : undefined;
  return { ttl, records: canonicalSvcbValues(lines.map((line) => parseSvcbPresentation(line.replace(/^\S+\s+\d+\s+IN\s+HTTPS\s+/, '')))) };
}

/** The HTTPS rrsets of the PATCH bodies sent since the last reset. */
function patchedHttps(): unknown[] {
  return api.bodies('PATCH').flatMap((body) => ((body as { rrsets: { type: string }[] }).rrsets ?? []).filter((rrset) => rrset.type === 'HTTPS'));
}

const mirrored = (ech: string, hints = `ipv4hint=${EDGE_A} ech=${ech} ipv6hint=${EDGE_AAAA}`): string => `1 . alpn="h3,h2" ${hints}`;

describe('HTTPS records through the built CLI and the powerdns provider', () => {
  it('first sync publishes the mirror with hints rewritten, replaces a stale record and writes the alias and every SvcParam form, in one PATCH', async () => {
    api.reset();
    const result = await sync();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Summary: 4 updated, 0 in sync, 0 failed');
    expect(result.code).toBe(0);
    expect(api.count('PATCH')).toBe(1);
    expect(patchedHttps()).toHaveLength(4);
    expect(await served('example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_1)] });
    // Only A is published at odd.example.test: the AAAA hint goes with it.
    expect(await served('odd.example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_1, `ipv4hint=${EDGE_A} ech=${ECH_1}`)] });
    expect(await served('alias.example.test')).toEqual({ ttl: 3600, records: ['0 pool.target.test.'] });
    // Hints are the published addresses: only A is published there.
    expect(await served('rich.example.test')).toEqual({
      ttl: 300,
      records: canonicalSvcbValues([parseSvcbPresentation(RICH.replace('ipv6hint=2001:db8::1', 'ipv4hint=93.184.216.36'))]),
    });
  });

  it('a second sync reads what PowerDNS stored as equal and writes nothing', async () => {
    api.reset();
    const result = await sync('--output', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary).toMatchObject({ records: 4, inSync: 4, updated: 0, failed: 0 });
    expect(api.count('PATCH')).toBe(0);
  });

  it('a new ech at the target reaches the names in one PATCH', async () => {
    await pdns.nsupdate(pdns.targetZone, ['update delete edge.target.test. HTTPS', `update add edge.target.test. 300 HTTPS 1 . alpn="h3,h2" ech=${ECH_2}`]);
    api.reset();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 2 updated, 2 in sync, 0 failed');
    expect(api.count('PATCH')).toBe(1);
    expect(patchedHttps()).toHaveLength(2);
    expect(await served('example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_2)] });
    expect(await served('odd.example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_2, `ipv4hint=${EDGE_A} ech=${ECH_2}`)] });
  });

  it("the target dropping its HTTPS RRset deletes the names', leaving the addresses and the alias", async () => {
    await pdns.nsupdate(pdns.targetZone, ['update delete edge.target.test. HTTPS']);
    api.reset();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/- HTTPS/);
    expect(api.count('PATCH')).toBe(1);
    expect(patchedHttps()).toEqual([
      expect.objectContaining({ name: 'example.test.', changetype: 'DELETE' }),
      expect.objectContaining({ name: 'odd.example.test.', changetype: 'DELETE' }),
    ]);
    expect(await served('example.test')).toEqual({ ttl: undefined, records: [] });
    expect(await served('odd.example.test')).toEqual({ ttl: undefined, records: [] });
    expect(await served('alias.example.test')).toEqual({ ttl: 3600, records: ['0 pool.target.test.'] });
    expect((await served('rich.example.test')).records).toHaveLength(1);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 120, values: [EDGE_A] });
  });
});
