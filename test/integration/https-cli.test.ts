import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSvcbValues, parseSvcbPresentation } from '../../src/dns/svcb.js';
import { startBind, type BindServer } from '../support/bind.js';
import { runCli, type CliResult } from '../support/cli.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { Route53Fake } from '../support/route53-fake.js';

/**
 * HTTPS records end to end: a real BIND 9 serves the target zone (HTTPS records beside the
 * addresses, one behind a CNAME) and the apex zone of the RFC 2136 provider; a zone file is the
 * other provider. The built CLI mirrors the target's HTTPS RRset (hints rewritten to the
 * published addresses) and writes an AliasMode record; `dig` says what BIND serves, and
 * named-checkzone what the written zone file holds. The tests build on each other, like cron runs.
 */

const run = promisify(execFile);
const PATHS = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const ECH_1 = 'AEX+DQBBpQAgACB/bfoHyjM0eaqF';
const ECH_2 = 'AEX+DQBBzzzzACB/bfoHyjM0eaqF';
const EDGE_A = '93.184.216.34';
const EDGE_AAAA = '2606:2800:220:1:248:1893:25c8:1946';

let bind: BindServer;
let dir: string;
let zoneFile: string;
let route53: Route53Fake;
let route53Zone: string;
let cloudflare: CloudflareFake;
const CF_TOKEN = 'cf-https-test-token-0a1b2c';
const AWS_KEY_ID = 'AKIDAPEXSYNCHTTPS';
const AWS_SECRET = 'httpsSecret/PlantedInEnv+0123456789abcdef';

beforeAll(async () => {
  bind = await startBind({
    targetRecords: [
      'www 120 CNAME edge',
      `edge 300 A ${EDGE_A}`,
      `edge 300 AAAA ${EDGE_AAAA}`,
      `edge 300 HTTPS 1 . alpn="h3,h2" ipv4hint=198.51.100.1 ipv6hint=2001:db8::1 ech=${ECH_1}`,
      'pool 300 A 93.184.216.35',
      'pool 300 HTTPS 0 pool-svc.cdn.test.',
    ],
    apexRecords: ['@ 3600 A 52.4.1.1', 'alias 3600 A 52.4.2.2'],
    managedNames: ['example.test', 'alias.example.test'],
  });
  [route53, cloudflare] = await Promise.all([Route53Fake.start(), CloudflareFake.start({ token: CF_TOKEN })]);
  route53.expectedAccessKeyId = AWS_KEY_ID;
  route53Zone = route53.createZone('example.net');
  cloudflare.addZone('example.org');
  dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-https-cli-'));
  zoneFile = path.join(dir, 'example.com.zone');
  await copyFile(path.resolve('examples/zones/example.com.zone'), zoneFile);
  await writeFile(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${bind.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  files: { type: zonefile, file: example.com.zone }
  aws: { type: route53, endpoint: "${route53.endpoint}", region: us-east-1 }
  cf: { type: cloudflare, apiToken: "\${CF_TOKEN}", baseUrl: "${cloudflare.baseUrl}" }
  bind:
    type: rfc2136
    server: "${bind.relay.address}"
    verify: { servers: ["${bind.address}"] }
    tsig: { name: ${bind.apexsyncKey.name}, algorithm: ${bind.apexsyncKey.algorithm}, secret: "\${TSIG_SECRET}" }
defaults: { ttl: { min: 60, max: 3600 } }
# The zone file, Route 53 and Cloudflare zones here have no server that serves them: only BIND's is checked.
verify: { mode: off }
records:
  - { name: example.com, target: www.target.test, provider: files, https: mirror }
  - { name: example.test, target: www.target.test, provider: bind, https: mirror }
  - { name: alias.example.test, target: pool.target.test, provider: bind, families: [A], https: alias }
  - { name: example.net, target: www.target.test, provider: aws, https: mirror }
  - { name: example.org, target: www.target.test, provider: cf, https: mirror }
`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([route53?.close(), cloudflare?.close()]);
  await bind?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sync(...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', path.join(dir, 'apexsync.yaml'), ...args], { cwd: dir, env: secrets() });
  for (const secret of [CF_TOKEN, AWS_SECRET, bind.apexsyncKey.secret]) expect(result.stdout + result.stderr).not.toContain(secret);
  return result;
}

function secrets(): Record<string, string> {
  return {
    TSIG_SECRET: bind.apexsyncKey.secret,
    CF_TOKEN,
    AWS_ACCESS_KEY_ID: AWS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
  };
}

/** The HTTPS records Route 53 holds at example.net (its Value strings), canonical. */
function inRoute53(): string[] {
  const set = route53.recordSet(route53Zone, 'example.net', 'HTTPS');
  return set === undefined ? [] : canonicalSvcbValues((set.values ?? []).map(parseSvcbPresentation));
}

/** The HTTPS records Cloudflare holds at example.org, from their structured data, canonical. */
function inCloudflare(): string[] {
  return canonicalSvcbValues(
    cloudflare.records('example.org', { name: 'example.org', type: 'HTTPS' }).map((r) => parseSvcbPresentation(`${r.data!.priority} ${r.data!.target} ${r.data!.value}`)),
  );
}

/** What BIND serves at `name` for HTTPS (dig +norec), as canonical records, and the TTL. */
async function served(name: string): Promise<{ ttl: number | undefined; records: string[] }> {
  const { stdout } = await run('dig', ['+norec', '+noall', '+answer', '-p', String(bind.port), '@127.0.0.1', name, 'HTTPS'], { env: { ...process.env, PATH: PATHS } });
  const lines = stdout.split('\n').filter((line) => /\sIN\s+HTTPS\s/.test(line));
  const ttl = lines.length > 0 ? Number(lines[0]!.split(/\s+/)[1]) : undefined;
  return { ttl, records: canonicalSvcbValues(lines.map((line) => parseSvcbPresentation(line.replace(/^\S+\s+\d+\s+IN\s+HTTPS\s+/, '')))) };
}

/** The HTTPS records of the apex in the zone file, as named-checkzone reads them. */
async function inZoneFile(): Promise<string[]> {
  const { stdout } = await run('named-checkzone', ['-q', '-D', '-o', '-', 'example.com', zoneFile], { env: { ...process.env, PATH: PATHS } });
  const lines = stdout.split('\n').filter((line) => /^example\.com\.\s+\d+\s+IN\s+HTTPS\s/.test(line));
  return canonicalSvcbValues(lines.map((line) => parseSvcbPresentation(line.replace(/^\S+\s+\d+\s+IN\s+HTTPS\s+/, ''))));
}

const mirrored = (ech: string): string => `1 . alpn="h3,h2" ipv4hint=${EDGE_A} ech=${ech} ipv6hint=${EDGE_AAAA}`;

describe('HTTPS records through the built CLI, zone file and RFC 2136 against BIND', () => {
  it('first sync publishes the target HTTPS record with hints rewritten to the published addresses, and the alias', async () => {
    const result = await sync();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Summary: 5 updated, 0 in sync, 0 failed');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\+ HTTPS 120 +1 \. alpn="h3,h2" ipv4hint=93\.184\.216\.34 ech=AEX\+DQBBpQAg…\(21 bytes\)/);
    expect(await served('example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_1)] });
    expect(await served('alias.example.test')).toEqual({ ttl: 3600, records: ['0 pool.target.test.'] });
    expect(await inZoneFile()).toEqual([mirrored(ECH_1)]);
    expect(inRoute53()).toEqual([mirrored(ECH_1)]);
    expect(route53.recordSet(route53Zone, 'example.net', 'HTTPS')?.ttl).toBe(120);
    expect(inCloudflare()).toEqual([mirrored(ECH_1)]);
    // The rest of the zone file is as it was; the file loads in BIND.
    const text = await readFile(zoneFile, 'utf8');
    expect(text).toContain('IN CAA  0 issue "letsencrypt.org"');
  });

  it('a second sync writes nothing', async () => {
    const before = await readFile(zoneFile, 'utf8');
    bind.relay.reset();
    route53.resetCounters();
    cloudflare.resetCounts();
    const result = await sync('--output', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary).toMatchObject({ records: 5, inSync: 5, updated: 0, failed: 0 });
    expect(bind.relay.updates()).toBe(0);
    expect(route53.calls.ChangeResourceRecordSets).toBe(0);
    expect(cloudflare.counts).toMatchObject({ POST: 0, PATCH: 0, PUT: 0, DELETE: 0 });
    expect(await readFile(zoneFile, 'utf8')).toBe(before);
  });

  it('a new ech at the target reaches the name; JSON carries it whole', async () => {
    await bind.nsupdate(bind.targetZone, ['update delete edge.target.test. HTTPS', `update add edge.target.test. 300 HTTPS 1 . alpn="h3,h2" ech=${ECH_2}`]);
    bind.relay.reset();
    const result = await sync('--output', 'json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { records: Array<{ name: string; changes: Array<{ family: string; action: string; after: { values: string[] } }> }> };
    const apex = report.records.find((r) => r.name === 'example.test')!;
    expect(apex.changes).toEqual([expect.objectContaining({ family: 'HTTPS', action: 'update', after: { ttl: 120, values: [mirrored(ECH_2)] } })]);
    expect(bind.relay.updates()).toBe(1);
    expect(await served('example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_2)] });
    expect(await inZoneFile()).toEqual([mirrored(ECH_2)]);
    expect(inRoute53()).toEqual([mirrored(ECH_2)]);
    expect(inCloudflare()).toEqual([mirrored(ECH_2)]);
  });

  it('a failed lookup of the target keeps the HTTPS records and exits 1', async () => {
    await writeFile(path.join(dir, 'dead.yaml'), (await readFile(path.join(dir, 'apexsync.yaml'), 'utf8')).replace(`servers: ["${bind.address}"]`, 'servers: ["127.0.0.1:9"]'));
    bind.relay.reset();
    const result = await runCli(['sync', '-c', path.join(dir, 'dead.yaml')], { cwd: dir, env: secrets() });
    expect(result.code).toBe(1);
    expect(bind.relay.updates()).toBe(0);
    expect(await served('example.test')).toEqual({ ttl: 120, records: [mirrored(ECH_2)] });
    expect(await inZoneFile()).toEqual([mirrored(ECH_2)]);
  });

  it("the target dropping its HTTPS RRset deletes the name's, leaving the addresses", async () => {
    await bind.nsupdate(bind.targetZone, ['update delete edge.target.test. HTTPS']);
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/- HTTPS/);
    expect(await served('example.test')).toEqual({ ttl: undefined, records: [] });
    expect(await inZoneFile()).toEqual([]);
    expect(inRoute53()).toEqual([]);
    expect(inCloudflare()).toEqual([]);
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 120, values: [EDGE_A] });
    // The alias is kept as it is.
    expect(await served('alias.example.test')).toEqual({ ttl: 3600, records: ['0 pool.target.test.'] });
  });
});
