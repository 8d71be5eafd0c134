import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/** `check --output json`, `resolve --output json`, and `sync`'s progress line on a terminal (and only there). */

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. ( 2024010100 7200 3600 1209600 300 )
    IN NS  ns1.example.com.
@   300 IN A 198.18.0.1
www IN CNAME example.com.
ns1 IN A 192.0.2.53
`;

let dns: TestDnsServer;
let dir: string;

beforeAll(async () => {
  dns = await startTestDnsServer();
  dns.setAddresses('lb.target.test', 'A', ['93.184.216.34'], 60);
  dns.setAddresses('lb.target.test', 'AAAA', ['2606:2800:220:1::1'], 60);
  dns.setAddresses('api.target.test', 'A', ['151.101.1.10'], 60);
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-output-'));
  writeFileSync(path.join(dir, 'example.com.zone'), ZONE);
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 1 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: lb.target.test }
  - { name: api.example.com, target: api.target.test, families: [A] }
  - { name: www.example.com, target: lb.target.test }
damping: { samples: 2 }
`,
  );
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('check --output json', () => {
  it('prints one document: every record with what is published, a conflict or an error, and a summary', async () => {
    const result = await runCli(['check', '-c', 'apexsync.yaml', '--output', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      config: path.join(dir, 'apexsync.yaml'),
      records: [
        {
          name: 'example.com',
          provider: 'files',
          zone: 'example.com',
          target: 'lb.target.test',
          status: 'readable',
          published: { A: { ttl: 300, values: ['198.18.0.1'] }, AAAA: null },
          conflict: null,
          error: null,
          // The zone's NS set is not in the test resolver: no server to ask.
          served: { status: 'unknown', servers: [], seconds: 0, reason: expect.stringContaining('the NS set of example.com could not be looked up') as unknown },
        },
        {
          name: 'api.example.com',
          provider: 'files',
          zone: 'example.com',
          target: 'api.target.test',
          status: 'readable',
          published: { A: null, AAAA: null },
          conflict: null,
          error: null,
          served: { status: 'unknown', servers: [], seconds: 0, reason: expect.stringContaining('the NS set of example.com could not be looked up') as unknown },
        },
        {
          name: 'www.example.com',
          provider: 'files',
          zone: 'example.com',
          target: 'lb.target.test',
          status: 'failed',
          published: { A: null, AAAA: null },
          conflict: expect.stringContaining('CNAME') as unknown,
          error: null,
        },
      ],
      summary: { records: 3, providers: 1, readable: 2, failed: 1 },
    });
  });

  it('a provider that cannot be read is a failed record with its error', async () => {
    rmSync(path.join(dir, 'example.com.zone'));
    const result = await runCli(['check', '-c', 'apexsync.yaml', '-o', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout) as { records: { status: string; published: unknown; error: { stage: string; kind: string; message: string } }[]; summary: unknown };
    expect(document.records).toHaveLength(3);
    for (const record of document.records) {
      expect(record).toMatchObject({ status: 'failed', published: null, error: { kind: expect.any(String) as unknown } });
      expect(record.error.message).toContain('example.com.zone');
    }
    expect(document.summary).toEqual({ records: 3, providers: 1, readable: 0, failed: 3 });
  });
});

describe('resolve --output json', () => {
  it('prints the target, the servers and each family with its chain', async () => {
    const result = await runCli(['resolve', 'lb.target.test', '--server', dns.address, '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      target: 'lb.target.test',
      servers: [dns.address],
      families: [
        { kind: 'addresses', family: 'A', addresses: ['93.184.216.34'], ttl: 60, chain: [] },
        { kind: 'addresses', family: 'AAAA', addresses: ['2606:2800:220:1::1'], ttl: 60, chain: [] },
      ],
      https: { kind: 'empty', family: 'HTTPS', reason: 'NODATA', chain: [], mirrored: [] },
    });
  });
});

describe('sync progress', () => {
  it('on a terminal, one line on stderr counts targets resolved and zones read and written, then is erased', async () => {
    const { code, output } = await onTerminal(['sync', '-c', 'apexsync.yaml', '--record', 'example.com', '--record', 'api.example.com']);
    expect(code).toBe(0);
    expect(output).toContain('\r\x1b[2Kresolved 2/2 targets · read 1 zone · wrote 1 zone\r\x1b[2K');
    expect(output).toContain('Summary: 2 updated, 0 in sync, 0 failed');
    // Erased before the plan is printed.
    expect(output.indexOf('\r\x1b[2K', output.lastIndexOf('resolved'))).toBeLessThan(output.indexOf('Summary:'));
  });

  it('nothing when stderr is not a terminal', async () => {
    const result = await runCli(['sync', '-c', 'apexsync.yaml', '--record', 'example.com'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('resolved');
  });
});

/** Runs the CLI with a pseudo-terminal as stdin, stdout and stderr (util-linux `script`). */
function onTerminal(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
