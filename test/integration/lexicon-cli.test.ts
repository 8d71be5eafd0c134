import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startPowerDns, type PowerDnsServer } from '../support/authoritative/powerdns.js';
import { startHttpCounter, type HttpCounter } from '../support/http-counter.js';

/**
 * The built CLI end to end through the `lexicon` provider: the real dns-lexicon from Debian
 * (run by /usr/bin/python3) driving its own `powerdns` provider against a real PowerDNS 4.7.
 * Assertions query PowerDNS's DNS port; the HTTP requests lexicon makes are counted by a relay
 * in front of the API. The tests run in order, like consecutive cron runs.
 */

let pdns: PowerDnsServer;
let api: HttpCounter;
let dir: string;
const outputs: string[] = [];

beforeAll(async () => {
  pdns = await startPowerDns({
    targetRecords: ['app 300 A 52.4.7.1', 'app 300 A 52.4.18.2', 'app 300 AAAA 2600:1f18:4a3:6900::7'],
    apexRecords: ['@ 300 A 52.4.1.1', '@ 300 TXT "keep me"'],
  });
  api = await startHttpCounter(pdns.api.url);
  dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-lexicon-cli-'));
  await writeConfig('apexsync.yaml', {});
});

afterAll(async () => {
  await api?.close();
  await pdns?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function writeConfig(file: string, o: { provider?: string; command?: string; ttlMin?: number }): Promise<string> {
  const configPath = path.join(dir, file);
  await writeFile(
    configPath,
    `resolver: { servers: ["${pdns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  lex:
    type: lexicon
    provider: ${o.provider ?? 'powerdns'}
    options: { auth_token: "\${PDNS_API_KEY}", pdns_server: "${api.url}" }
${o.command ? `    command: ${o.command}\n` : ''}defaults: { provider: lex, ttl: { min: ${o.ttlMin ?? 60}, max: 3600 } }
records:
  - { name: example.test, target: app.target.test }
  - { name: new.example.test, target: app.target.test }
`,
  );
  return configPath;
}

async function sync(args: readonly string[], options: { config?: string; apiKey?: string } = {}): Promise<CliResult> {
  const result = await runCli(['sync', '-c', options.config ?? path.join(dir, 'apexsync.yaml'), ...args], {
    cwd: dir,
    env: { PDNS_API_KEY: options.apiKey ?? pdns.api.key },
    timeoutMs: 120_000,
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

describe('apexsync sync through dns-lexicon (its powerdns provider) against PowerDNS', () => {
  it('a wrong API key is reported as refused credentials and nothing is written', async () => {
    api.reset();
    const wrongKey = 'wrong-key-for-lexicon-42';
    const result = await sync(['--record', 'example.test'], { apiKey: wrongKey });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/lexicon's powerdns provider was refused: [^\n]*401[^\n]*\(check the credentials in options\)/);
    expect(result.stdout + result.stderr).not.toContain(wrongKey);
    expect(api.count('PATCH')).toBe(0);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.1.1'] });
  });

  it('--dry-run reads through lexicon and writes nothing', async () => {
    api.reset();
    const result = await sync(['--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     300    52.4.1.1 → 52.4.7.1, 52.4.18.2');
    expect(result.stdout).toContain('(dry run: nothing was written)');
    expect(api.count('GET')).toBeGreaterThan(0);
    expect(api.count('PATCH')).toBe(0);
  });

  it('first sync: new values created before old ones are deleted, then re-read', async () => {
    api.reset();
    const result = await sync([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 2 updated, 0 in sync, 0 failed');
    // example.test: 2 A created, 1 A deleted, 1 AAAA created; new.example.test: 2 A, 1 AAAA created.
    expect(api.count('PATCH')).toBe(7);
    const patches = api.requests().filter((r) => r.startsWith('PATCH'));
    expect(patches.every((r) => r === 'PATCH /api/v1/servers/localhost/zones/example.test.')).toBe(true);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await pdns.rrset('example.test', 'AAAA')).toEqual({ ttl: 300, values: ['2600:1f18:4a3:6900::7'] });
    expect(await pdns.rrset('new.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await pdns.rrset('new.example.test', 'AAAA')).toEqual({ ttl: 300, values: ['2600:1f18:4a3:6900::7'] });
    expect((await pdns.snapshot('example.test', ['TXT'])).includes('keep me')).toBe(true);
  });

  it('a second sync writes nothing', async () => {
    api.reset();
    const result = await sync([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 0 updated, 2 in sync, 0 failed');
    expect(api.count('PATCH')).toBe(0);
  });

  it('a target address change: the new value is created, then the old one deleted', async () => {
    await pdns.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.77.7'], 300);
    api.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(api.count('PATCH')).toBe(2);
    // What lexicon sent: the A RRset with the new value added, then without the old one; never empty.
    const contents = api.bodies('PATCH').map((body) => {
      const [rrset] = (body as { rrsets: { name: string; type: string; records: { content: string }[] }[] }).rrsets;
      return `${rrset!.name} ${rrset!.type} ${rrset!.records
        .map((r) => r.content)
        .sort()
        .join(',')}`;
    });
    expect(contents).toEqual(['example.test. A 52.4.18.2,52.4.7.1,52.4.77.7', 'example.test. A 52.4.7.1,52.4.77.7']);
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('AAAA removed at the target removes it at the name while A stays', async () => {
    await pdns.setAddresses('target.test', 'app.target.test', 'AAAA', []);
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('- AAAA         2600:1f18:4a3:6900::7');
    expect(await pdns.rrset('example.test', 'AAAA')).toBeUndefined();
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('a TTL lexicon cannot change is reported with what was and was not written', async () => {
    const config = await writeConfig('ttl.yaml', { ttlMin: 900 });
    await pdns.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.88.8'], 300);
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /after writing, example\.test reads: A has the wanted values but TTL 300 \(wanted 900; lexicon's powerdns provider keeps the TTL of an existing record set/,
    );
    expect(await pdns.rrset('example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.7.1', '52.4.88.8'] });
  });

  it('a write lexicon fails is reported with what the name holds after it, and no old value is deleted', async () => {
    await pdns.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.33.3'], 300);
    // Between the read and the first write, someone turns new.example.test into a CNAME:
    // PowerDNS refuses lexicon's create (422), so apexsync must not go on to delete anything.
    api.beforeNext('PATCH', () =>
      pdns.nsupdate('example.test', ['update delete new.example.test. A', 'update delete new.example.test. AAAA', 'update add new.example.test. 300 CNAME elsewhere.target.test.']),
    );
    api.reset();
    const result = await sync(['--record', 'new.example.test']);
    expect(result.code).toBe(1);
    expect(api.count('PATCH')).toBe(1);
    expect(result.stdout).toMatch(/lexicon failed to create A 52\.4\.33\.3: [^\n]*422[^\n]*; after writing, new\.example\.test holds a CNAME at the name$/m);
    expect(await pdns.rrset('new.example.test', 'A')).toBeUndefined();
  });

  it('a lexicon provider that does not exist is a clear error', async () => {
    const config = await writeConfig('missing-provider.yaml', { provider: 'nosuchdns' });
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/lexicon has no provider named nosuchdns[^\n]*check the name against lexicon --help/);
  });

  it('a lexicon provider whose Python module is missing says which (localzone needs the localzone module)', async () => {
    const config = await writeConfig('localzone.yaml', { provider: 'localzone' });
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/lexicon provider localzone needs a Python module that is not installed: localzone/);
  });

  it('a Python without lexicon is a clear error naming how to install it', async () => {
    // The real Python, without its site packages (-S): lexicon cannot be imported.
    const python = path.join(dir, 'python3');
    await writeFile(python, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(python, 0o755);
    const config = await writeConfig('no-lexicon.yaml', { command: python });
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/dns-lexicon is not installed for [^\n]*apt-get install lexicon[^\n]*pip install dns-lexicon/);
  });

  it('`command: lexicon` runs the helper with the Python named in its #! line', async () => {
    const config = await writeConfig('command-lexicon.yaml', { command: 'lexicon' });
    const result = await sync(['--record', 'example.test', '--dry-run'], { config });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('no option value ever appeared in any output', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(20);
    for (const output of outputs) expect(output).not.toContain(pdns.api.key);
  });
});
