import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startBind, type BindServer, type TsigKeySpec } from '../support/bind.js';

/**
 * The built CLI end to end against a real BIND 9: named serves the target zone (the resolver's
 * server) and the apex zone (the rfc2136 provider's primary, through the counting relay). Every
 * assertion about the apex is a real query to named; "no UPDATE" is counted at the wire. The
 * tests run in order and build on each other's state, like consecutive cron runs.
 */

let bind: BindServer;
let dir: string;
/** A UDP socket that reads queries and never answers: a resolver timeout. */
let silent: dgram.Socket;
/** Every stdout/stderr the CLI printed, checked for secrets at the end. */
const outputs: string[] = [];

const RECORDS = `
  - { name: example.test, target: www.target.test }
  - { name: mid.example.test, target: app.target.test, zone: example.test }
  - { name: slow.example.test, target: slow.target.test, families: [A] }
  - { name: gone.example.test, target: gone.target.test }
  - { name: broken.example.test, target: www.broken.test }
  - { name: special.example.test, target: special.target.test }
`;

beforeAll(async () => {
  bind = await startBind({
    targetRecords: [
      'www 30 CNAME lb', // the chain's shortest TTL (30) is below ttl.min: published with 60
      'lb 600 CNAME app',
      'app 300 A 52.4.7.1',
      'app 300 A 52.4.18.2',
      'app 300 AAAA 2600:1f18:4a3:6900::7',
      'slow 7200 A 52.4.99.1', // above ttl.max: published with 3600
      'special 300 A 10.0.0.5', // special-purpose (RFC 1918): refused
    ],
    apexRecords: ['@ 3600 A 52.4.1.1', 'gone 3600 A 52.4.2.2', 'broken 3600 A 52.4.3.3', 'special 3600 A 52.4.4.4'],
    managedNames: ['example.test', 'mid.example.test', 'slow.example.test', 'gone.example.test', 'broken.example.test', 'special.example.test'],
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-rfc2136-cli-'));
  silent = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  await writeConfig('apexsync.yaml', {});
});

afterAll(async () => {
  silent?.close();
  await bind?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function writeConfig(file: string, o: { resolver?: string; keyName?: string }): Promise<string> {
  const configPath = path.join(dir, file);
  await writeFile(
    configPath,
    `resolver: { servers: ["${o.resolver ?? bind.address}"], timeoutMs: 500, attempts: 1 }
providers:
  bind:
    type: rfc2136
    server: "${bind.relay.address}"
    tsig: { name: ${o.keyName ?? bind.apexsyncKey.name}, algorithm: ${bind.apexsyncKey.algorithm}, secret: "\${TSIG_SECRET}" }
    # The zone's NS (ns1.example.test) is not reachable here: named itself is its server.
    verify: { servers: ["${bind.address}"] }
defaults: { provider: bind, ttl: { min: 60, max: 3600 } }
records:${RECORDS}`,
  );
  return configPath;
}

async function sync(args: readonly string[], options: { config?: string; key?: TsigKeySpec } = {}): Promise<CliResult> {
  const result = await runCli(['sync', '-c', options.config ?? path.join(dir, 'apexsync.yaml'), ...args], {
    cwd: dir,
    env: { TSIG_SECRET: (options.key ?? bind.apexsyncKey).secret },
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** Everything at the apex apexsync must never touch; the SOA without its serial (BIND bumps it). */
async function untouchable(): Promise<string> {
  const snapshot = await bind.snapshot('example.test', ['MX', 'TXT', 'CAA', 'NS']);
  const soa = (await bind.query('example.test', 'SOA')).answers.find((a) => a.type === 'SOA')!;
  const { serial: _serial, ...rest } = soa.data as Record<string, unknown>;
  return `${snapshot}\nSOA ${soa.ttl} ${JSON.stringify(rest)}`;
}

const APEX_BEFORE_ANY_SYNC = { ttl: 3600, values: ['52.4.1.1'] };

describe('apexsync sync against BIND over RFC 2136', () => {
  let untouchedBefore: string;

  it('failures leave the apex as it was and exit 1: NXDOMAIN for both families, SERVFAIL, special addresses', async () => {
    untouchedBefore = await untouchable();
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await sync(['--record', 'gone.example.test', '--record', 'broken.example.test', '--record', 'special.example.test']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 3 failed');
    expect(result.stdout).toMatch(/gone\.example\.test[\s\S]*NXDOMAIN/);
    expect(result.stdout).toMatch(/broken\.example\.test[\s\S]*SERVFAIL/);
    expect(result.stdout).toMatch(/special\.example\.test[\s\S]*10\.0\.0\.5[\s\S]*special/i);
    expect(bind.relay.updates()).toBe(0);
    expect(await bind.soaSerial('example.test')).toBe(serial);
    expect(await bind.rrset('gone.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.2.2'] });
    expect(await bind.rrset('broken.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.3.3'] });
    expect(await bind.rrset('special.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.4.4'] });
  });

  it('a resolver timeout leaves the apex as it was and exits 1, sending no UPDATE', async () => {
    const config = await writeConfig('silent-resolver.yaml', { resolver: `127.0.0.1:${(silent.address() as { port: number }).port}` });
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('0 updated, 0 in sync, 1 failed');
    expect(result.stdout).toMatch(/no answer|timed? ?out/i);
    expect(bind.relay.updates()).toBe(0);
    expect(await bind.soaSerial('example.test')).toBe(serial);
    expect(await bind.rrset('example.test', 'A')).toEqual(APEX_BEFORE_ANY_SYNC);
  });

  it('a wrong TSIG key name is reported as a key problem, naming key and algorithm, and exits 1', async () => {
    const config = await writeConfig('wrong-key.yaml', { keyName: 'apexsync-typo' });
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/does not know TSIG key "apexsync-typo" \(hmac-sha256\) \(NOTAUTH\/BADKEY\)/);
    expect(result.stdout + result.stderr).not.toMatch(/ECONNREFUSED|unreachable|timed? ?out/i);
    expect(bind.relay.updates()).toBe(0);
    expect(await bind.soaSerial('example.test')).toBe(serial);
  });

  it('a wrong TSIG secret is reported as a secret mismatch (BADSIG) and exits 1', async () => {
    const wrong = { ...bind.apexsyncKey, secret: Buffer.alloc(32, 7).toString('base64') };
    const result = await sync(['--record', 'example.test'], { key: wrong });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/TSIG key "apexsync-key" \(hmac-sha256\) \(NOTAUTH\/BADSIG\): the secret does not match/);
    expect(result.stdout + result.stderr).not.toContain(wrong.secret);
    expect(await bind.rrset('example.test', 'A')).toEqual(APEX_BEFORE_ANY_SYNC);
  });

  it('--dry-run shows the plan and sends nothing', async () => {
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await sync(['--dry-run', '--record', 'example.test', '--record', 'slow.example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     3600 → 60  52.4.1.1 → 52.4.7.1, 52.4.18.2');
    expect(result.stdout).toContain('(dry run: nothing was written)');
    expect(bind.relay.updates()).toBe(0);
    expect(bind.relay.queries()).toBeGreaterThan(0); // it did read the provider
    expect(await bind.soaSerial('example.test')).toBe(serial);
    expect(await bind.rrset('example.test', 'A')).toEqual(APEX_BEFORE_ANY_SYNC);
  });

  it('first sync publishes the target addresses with the TTL rule, in one UPDATE, exit 0', async () => {
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await sync(['--record', 'example.test', '--record', 'mid.example.test', '--record', 'slow.example.test']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 3 updated, 0 in sync, 0 failed');
    // All three names live in example.test: one zone, one transaction.
    expect(bind.relay.updates()).toBe(1);
    expect(await bind.soaSerial('example.test')).toBe(serial + 1);
    // Observed TTL 30 (the CNAME) → clamped up to ttl.min 60.
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await bind.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18:4a3:6900::7'] });
    // Observed TTL 300 → kept.
    expect(await bind.rrset('mid.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await bind.rrset('mid.example.test', 'AAAA')).toEqual({ ttl: 300, values: ['2600:1f18:4a3:6900::7'] });
    // Observed TTL 7200 → clamped down to ttl.max 3600; A only, as configured.
    expect(await bind.rrset('slow.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.99.1'] });
    expect(await bind.rrset('slow.example.test', 'AAAA')).toBeUndefined();
  });

  it('a second sync sends no UPDATE and leaves the serial alone', async () => {
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await sync(['--record', 'example.test', '--record', 'mid.example.test', '--record', 'slow.example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 0 updated, 3 in sync, 0 failed');
    expect(bind.relay.updates()).toBe(0);
    expect(await bind.soaSerial('example.test')).toBe(serial);
  });

  it('a target address change propagates', async () => {
    await bind.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.77.7'], 300);
    bind.relay.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     60     52.4.7.1, 52.4.18.2 → 52.4.7.1, 52.4.77.7');
    expect(bind.relay.updates()).toBe(1);
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
    expect(await bind.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18:4a3:6900::7'] });
  });

  it('AAAA removed at the target removes it at the apex while A stays', async () => {
    await bind.setAddresses('target.test', 'app.target.test', 'AAAA', []);
    bind.relay.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('- AAAA         2600:1f18:4a3:6900::7');
    expect(bind.relay.updates()).toBe(1);
    expect(await bind.rrset('example.test', 'AAAA')).toBeUndefined();
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('an edit made between apexsync reading and writing is detected and not overwritten', async () => {
    await bind.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.88.8'], 300);
    // The operator edits the apex by hand just as apexsync's UPDATE is on its way.
    bind.relay.beforeNextUpdate(() => bind.setAddresses('example.test', 'example.test', 'A', ['52.4.55.5'], 600));
    bind.relay.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('changed by someone else since it was read; nothing applied');
    expect(bind.relay.updates()).toBe(1);
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 600, values: ['52.4.55.5'] });
    // The next run re-reads and converges.
    const next = await sync(['--record', 'example.test']);
    expect(next.code).toBe(0);
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.88.8'] });
  });

  it('check reads every record through the provider and writes nothing', async () => {
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const result = await runCli(['check', '-c', path.join(dir, 'apexsync.yaml')], { cwd: dir, env: { TSIG_SECRET: bind.apexsyncKey.secret } });
    outputs.push(result.stdout, result.stderr);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^example\.test {2}\(bind · zone example\.test\)[\s\S]*?A {5}60 {5}52\.4\.7\.1, 52\.4\.88\.8/m);
    expect(result.stdout).toContain('Check: 6 readable, 0 failed');
    // Two queries (A, AAAA) per name, plus the SOA queries of zone discovery; never an UPDATE.
    expect(bind.relay.queries()).toBeGreaterThanOrEqual(12);
    expect(bind.relay.updates()).toBe(0);
    expect(await bind.soaSerial('example.test')).toBe(serial);
  });

  it('a secret that is not base64 is a config error (exit 2) that does not echo it', async () => {
    const notBase64 = 'not base64 at all: %%%';
    const result = await sync([], { key: { ...bind.apexsyncKey, secret: notBase64 } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('providers.bind.tsig.secret');
    expect(result.stderr).toContain('base64');
    expect(result.stdout + result.stderr).not.toContain('%%%');
  });

  it('never touched MX, TXT, CAA, NS or the SOA (other than BIND bumping its serial)', async () => {
    expect(await untouchable()).toBe(untouchedBefore);
    expect(untouchedBefore).toMatch(/MX NOERROR 3600 .*mail\.example\.test/);
    expect(untouchedBefore).toMatch(/TXT NOERROR 3600 .*v=spf1/);
    expect(untouchedBefore).toMatch(/CAA NOERROR 3600 .*letsencrypt\.org/);
  });

  it('the TSIG secret never appeared in any output', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(20);
    for (const output of outputs) expect(output).not.toContain(bind.apexsyncKey.secret);
  });
});
