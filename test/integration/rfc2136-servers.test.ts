import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startBind } from '../support/authoritative/bind.js';
import { startKnot } from '../support/authoritative/knot.js';
import { startPowerDns, type PowerDnsServer } from '../support/authoritative/powerdns.js';
import type { AuthoritativeServer, ServerOptions, TsigKeySpec } from '../support/authoritative/server.js';

/**
 * The same end-to-end scenarios through the built CLI against each real primary apexsync's
 * rfc2136 provider is documented for: BIND 9, Knot DNS 3.2 and PowerDNS Authoritative 4.7, each
 * set up as docs/providers/rfc2136.md says. Assertions query the server itself; UPDATE messages
 * are counted at the relay. Within a server the tests run in order, like consecutive cron runs.
 */

interface ServerCase {
  readonly label: string;
  start(options: ServerOptions): Promise<AuthoritativeServer>;
  /** What the CLI prints when the key name is unknown to the server. */
  readonly unknownKey: RegExp;
  /** What the CLI prints when the secret is wrong. */
  readonly wrongSecret: RegExp;
  /**
   * What it prints for an update of a name outside the key's policy, or 'applied' where the
   * server cannot restrict a key to names without a Lua policy (PowerDNS).
   */
  readonly outsidePolicy: RegExp | 'applied';
}

const CASES: readonly ServerCase[] = [
  {
    label: 'BIND 9',
    start: startBind,
    unknownKey: /does not know TSIG key "apexsync-typo" \(hmac-sha256\) \(NOTAUTH\/BADKEY\)/,
    wrongSecret: /TSIG key "apexsync-key" \(hmac-sha256\) \(NOTAUTH\/BADSIG\): the secret does not match/,
    outsidePolicy: /refused the update \(REFUSED\): check update-policy for denied\.example\.test A\/AAAA/,
  },
  {
    label: 'Knot DNS',
    start: startKnot,
    unknownKey: /does not know TSIG key "apexsync-typo" \(hmac-sha256\) \(NOTAUTH\/BADKEY\)/,
    wrongSecret: /TSIG key "apexsync-key" \(hmac-sha256\) \(NOTAUTH\/BADSIG\): the secret does not match/,
    outsidePolicy: /refused to let TSIG key "apexsync-key" \(hmac-sha256\) change denied\.example\.test A: its update ACL does not allow it/,
  },
  {
    label: 'PowerDNS',
    start: startPowerDns,
    // PowerDNS answers both with an unsigned NOTAUTH and no TSIG error.
    unknownKey: /answered NOTAUTH without a signature to a query signed with TSIG key "apexsync-typo" \(hmac-sha256\): it does not accept this key/,
    wrongSecret: /answered NOTAUTH without a signature to a query signed with TSIG key "apexsync-key" \(hmac-sha256\): it does not accept this key/,
    outsidePolicy: 'applied',
  },
];

const RECORDS = `
  - { name: example.test, target: www.target.test }
  - { name: mid.example.test, target: app.target.test }
  - { name: denied.example.test, target: app.target.test, families: [A] }
`;

describe.each(CASES)('apexsync sync against $label over RFC 2136', (c) => {
  let server: AuthoritativeServer;
  let dir: string;
  const outputs: string[] = [];
  let untouchedBefore: string;

  beforeAll(async () => {
    server = await c.start({
      targetRecords: ['www 30 CNAME app', 'app 300 A 52.4.7.1', 'app 300 A 52.4.18.2', 'app 300 AAAA 2600:1f18:4a3:6900::7'],
      apexRecords: ['@ 3600 A 52.4.1.1', 'denied 3600 A 52.4.2.2', 'canon 3600 AAAA 2600:1f18::9'],
      managedNames: ['example.test', 'mid.example.test', 'canon.example.test'],
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-rfc2136-servers-'));
    await writeConfig('apexsync.yaml', {});
    untouchedBefore = await untouchable();
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(file: string, o: { keyName?: string }): Promise<string> {
    const configPath = path.join(dir, file);
    await writeFile(
      configPath,
      `resolver: { servers: ["${server.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  primary:
    type: rfc2136
    server: "${server.relay.address}"
    tsig: { name: ${o.keyName ?? server.apexsyncKey.name}, algorithm: ${server.apexsyncKey.algorithm}, secret: "\${TSIG_SECRET}" }
    # The zone's NS names are not reachable here: the server itself is the one to verify against.
    verify: { servers: ["${server.address}"] }
defaults: { provider: primary, ttl: { min: 60, max: 3600 } }
records:${RECORDS}
  - { name: canon.example.test, target: app.target.test, families: [AAAA] }
`,
    );
    return configPath;
  }

  async function sync(args: readonly string[], options: { config?: string; key?: TsigKeySpec } = {}): Promise<CliResult> {
    const result = await runCli(['sync', '-c', options.config ?? path.join(dir, 'apexsync.yaml'), ...args], {
      cwd: dir,
      env: { TSIG_SECRET: (options.key ?? server.apexsyncKey).secret },
    });
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  async function untouchable(): Promise<string> {
    const snapshot = await server.snapshot('example.test', ['MX', 'TXT', 'CAA', 'NS']);
    const soa = (await server.query('example.test', 'SOA')).answers.find((a) => a.type === 'SOA')!;
    const { serial: _serial, ...rest } = soa.data as Record<string, unknown>;
    return `${snapshot}\nSOA ${soa.ttl} ${JSON.stringify(rest)}`;
  }

  it('a wrong key name is reported as a key problem and nothing is sent', async () => {
    const config = await writeConfig('wrong-key.yaml', { keyName: 'apexsync-typo' });
    server.relay.reset();
    const result = await sync(['--record', 'example.test'], { config });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(c.unknownKey);
    expect(result.stdout + result.stderr).not.toMatch(/ECONNREFUSED|unreachable|timed? ?out/i);
    expect(server.relay.updates()).toBe(0);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.1.1'] });
  });

  it('a wrong secret is reported as a secret mismatch', async () => {
    const wrong = { ...server.apexsyncKey, secret: Buffer.alloc(32, 7).toString('base64') };
    const result = await sync(['--record', 'example.test'], { key: wrong });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(c.wrongSecret);
    expect(result.stdout + result.stderr).not.toContain(wrong.secret);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.1.1'] });
  });

  it('first sync publishes both families in one UPDATE', async () => {
    const serial = await server.soaSerial('example.test');
    server.relay.reset();
    const result = await sync(['--record', 'example.test', '--record', 'mid.example.test']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 2 updated, 0 in sync, 0 failed');
    expect(server.relay.updates()).toBe(1);
    // Each server raises the serial by one per update (PowerDNS: SOA-EDIT-DNSUPDATE INCREASE).
    expect(await server.soaSerial('example.test')).toBe(serial + 1);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await server.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18:4a3:6900::7'] });
    expect(await server.rrset('mid.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.18.2', '52.4.7.1'] });
    expect(await server.rrset('mid.example.test', 'AAAA')).toEqual({ ttl: 300, values: ['2600:1f18:4a3:6900::7'] });
  });

  it('a second sync sends no UPDATE and leaves the serial alone', async () => {
    const serial = await server.soaSerial('example.test');
    server.relay.reset();
    const result = await sync(['--record', 'example.test', '--record', 'mid.example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 0 updated, 2 in sync, 0 failed');
    expect(server.relay.updates()).toBe(0);
    expect(await server.soaSerial('example.test')).toBe(serial);
  });

  it('a target address change propagates', async () => {
    await server.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.77.7'], 300);
    server.relay.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('~ A     60     52.4.7.1, 52.4.18.2 → 52.4.7.1, 52.4.77.7');
    expect(server.relay.updates()).toBe(1);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
    expect(await server.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18:4a3:6900::7'] });
  });

  it('AAAA removed at the target removes it at the apex while A stays', async () => {
    await server.setAddresses('target.test', 'app.target.test', 'AAAA', []);
    server.relay.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('- AAAA         2600:1f18:4a3:6900::7');
    expect(server.relay.updates()).toBe(1);
    expect(await server.rrset('example.test', 'AAAA')).toBeUndefined();
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.77.7'] });
  });

  it('an edit made between reading and writing is detected and not overwritten; the next run converges', async () => {
    await server.setAddresses('target.test', 'app.target.test', 'A', ['52.4.7.1', '52.4.88.8'], 300);
    server.relay.beforeNextUpdate(() => server.setAddresses('example.test', 'example.test', 'A', ['52.4.55.5'], 600));
    server.relay.reset();
    const result = await sync(['--record', 'example.test']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('changed by someone else since it was read; nothing applied');
    expect(server.relay.updates()).toBe(1);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 600, values: ['52.4.55.5'] });
    const next = await sync(['--record', 'example.test']);
    expect(next.code).toBe(0);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.88.8'] });
  });

  it("an update of a name outside the key's policy is refused as a policy refusal naming the name and type (or, on PowerDNS, applied)", async () => {
    server.relay.reset();
    const result = await sync(['--record', 'denied.example.test']);
    expect(server.relay.updates()).toBe(1);
    if (c.outsidePolicy === 'applied') {
      // TSIG-ALLOW-DNSUPDATE admits the key for the whole zone: the docs say so and show the Lua policy.
      expect(result.code).toBe(0);
      expect(await server.rrset('denied.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.7.1', '52.4.88.8'] });
      return;
    }
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(c.outsidePolicy);
    expect(result.stdout).not.toMatch(/does not know TSIG key/);
    expect(await server.rrset('denied.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.2.2'] });
  });

  it('never touched MX, TXT, CAA, NS or the SOA (other than the serial)', async () => {
    expect(await untouchable()).toBe(untouchedBefore);
    expect(untouchedBefore).toMatch(/MX NOERROR 3600 .*mail\.example\.test/);
    expect(untouchedBefore).toMatch(/CAA NOERROR 3600 .*letsencrypt\.org/);
  });

  it('the TSIG secret never appeared in any output', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(10);
    for (const output of outputs) expect(output).not.toContain(server.apexsyncKey.secret);
  });
});

describe('PowerDNS: an AAAA stored in non-canonical form', () => {
  let server: PowerDnsServer;
  let dir: string;

  beforeAll(async () => {
    server = await startPowerDns({
      targetRecords: ['app 300 AAAA 2600:1f18::7'],
      apexRecords: ['@ 300 AAAA 2600:1f18::1'],
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-rfc2136-pdns-canon-'));
    await writeFile(
      path.join(dir, 'apexsync.yaml'),
      `resolver: { servers: ["${server.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  primary: { type: rfc2136, server: "${server.relay.address}", tsig: { name: ${server.apexsyncKey.name}, secret: "\${TSIG_SECRET}" }, verify: { servers: ["${server.address}"] } }
records:
  - { name: example.test, target: app.target.test, families: [AAAA], ttl: { min: 60, max: 3600 } }
`,
    );
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is not reported as someone else's edit: apexsync says what PowerDNS compares and how to fix it", async () => {
    // Written by SQL, behind PowerDNS's back: the same address, spelled out in full.
    await server.sql(`UPDATE records SET content = '2600:1f18:0000:0000:0000:0000:0000:0001' WHERE name = 'example.test' AND type = 'AAAA';`);
    server.relay.reset();
    const result = await runCli(['sync', '-c', path.join(dir, 'apexsync.yaml')], { cwd: dir, env: { TSIG_SECRET: server.apexsyncKey.secret } });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('changed by someone else');
    expect(result.stdout).toMatch(/still holds exactly the values read/);
    expect(result.stdout).toMatch(/non-canonical/);
    expect(server.relay.updates()).toBe(1);
    expect(await server.rrset('example.test', 'AAAA')).toEqual({ ttl: 300, values: ['2600:1f18::1'] });
  });
});

describe('PowerDNS with the Lua update policy of the docs', () => {
  let server: PowerDnsServer;
  let dir: string;

  beforeAll(async () => {
    server = await startPowerDns(
      { targetRecords: ['app 300 A 52.4.7.1'], apexRecords: ['@ 300 A 52.4.1.1', 'denied 300 A 52.4.2.2'], managedNames: ['example.test'] },
      { luaUpdatePolicy: true },
    );
    dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-rfc2136-pdns-lua-'));
    await writeFile(
      path.join(dir, 'apexsync.yaml'),
      `resolver: { servers: ["${server.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  primary: { type: rfc2136, server: "${server.relay.address}", tsig: { name: ${server.apexsyncKey.name}, secret: "\${TSIG_SECRET}" }, verify: { servers: ["${server.address}"] } }
records:
  - { name: example.test, target: app.target.test, families: [A] }
  - { name: denied.example.test, target: app.target.test, families: [A] }
`,
    );
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sync = (record: string): Promise<CliResult> =>
    runCli(['sync', '-c', path.join(dir, 'apexsync.yaml'), '--record', record], { cwd: dir, env: { TSIG_SECRET: server.apexsyncKey.secret } });

  it('lets the key change A at a managed name', async () => {
    const result = await sync('example.test');
    expect(result.code).toBe(0);
    expect(await server.rrset('example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.7.1'] });
  });

  it('skips a denied name and answers NOERROR: read back at the primary, it is reported not applied (exit 1), nothing changed', async () => {
    server.relay.reset();
    const result = await sync('denied.example.test');
    expect(server.relay.updates()).toBe(1);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('not applied (rejected): the server accepted the update but did not apply it (check its update policy)');
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 1 failed');
    expect(await server.rrset('denied.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.2.2'] });
    expect(server.log()).toMatch(/Refusing update for denied\.example\.test\/A: Not permitted by policy/);
    expect(server.log()).toMatch(/Update completed, 0 changes, rolling back/);
  });
});
