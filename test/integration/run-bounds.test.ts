import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../src/run/http.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DaemonProcess, eventually, freePort } from '../support/faults/daemon-process.js';

/**
 * `apexsync run` (the built CLI) against careless and hostile surroundings: a crowd of silent
 * HTTP connections, and signals that arrive while it is still starting. Loopback only; every
 * wait is a poll with a generous bound.
 */

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. ( 2024010100 7200 3600 1209600 300 )
    IN NS  ns1.example.com.
ns1 IN A 192.0.2.53
`;

let dns: TestDnsServer;
let dir: string;
let port: number;
let daemon: DaemonProcess | undefined;
const crowds = new Set<ChildProcess[]>();

beforeAll(async () => {
  dns = await startTestDnsServer();
  dns.setAddresses('lb.bounds.test', 'A', ['93.184.216.34'], 60);
});
afterAll(async () => {
  await dns.close();
});
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-bounds-'));
  writeFileSync(path.join(dir, 'example.com.zone'), ZONE);
  port = await freePort();
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: lb.bounds.test, families: [A] }
interval: { min: 1s, max: 2s }
server: { listen: "127.0.0.1:${port}" }
logLevel: info
`,
  );
});
afterEach(async () => {
  for (const procs of crowds) for (const child of procs) child.kill('SIGKILL');
  crowds.clear();
  await daemon?.stop();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const start = (): DaemonProcess => (daemon = DaemonProcess.start('bounds daemon', ['-c', 'apexsync.yaml'], { cwd: dir, port }));
const zone = (): string => readFileSync(path.join(dir, 'example.com.zone'), 'utf8');

/**
 * A crowd of `count` TCP connections that never send anything, held by a child process (several
 * children share a crowd, so no process needs more than a few hundred file descriptors, whatever
 * the machine's limit). It reports `open N` every 200 ms: how many are still open.
 */
const CROWD = `
const net = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
const sockets = [];
let settled = 0;
for (let i = 0; i < count; i++) {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  let done = false;
  const settle = () => { if (!done) { done = true; settled += 1; if (settled === count) process.stdout.write('ready\\n'); } };
  s.once('connect', settle);
  s.once('close', settle);
  sockets.push(s);
}
setInterval(() => process.stdout.write('open ' + sockets.filter((s) => !s.destroyed && s.readyState === 'open').length + '\\n'), 200);
`;

interface Crowd {
  /** Connections still open, as last reported by every child. */
  open(): number;
  ready: Promise<void>;
  close(): void;
}

function silentCrowd(total: number, children = 3): Crowd {
  const per = Math.ceil(total / children);
  const procs = Array.from({ length: children }, () => spawn(process.execPath, ['-e', CROWD, String(port), String(per)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const open = procs.map(() => per);
  const ready = procs.map(
    (child, i) =>
      new Promise<void>((resolve) => {
        let buffered = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            if (line === 'ready') resolve();
            const n = /^open (\d+)$/.exec(line)?.[1];
            if (n !== undefined) open[i] = Number(n);
          }
        });
      }),
  );
  crowds.add(procs);
  return {
    open: () => open.reduce((a, b) => a + b, 0),
    ready: Promise.all(ready).then(() => undefined),
    close: () => {
      for (const child of procs) child.kill('SIGKILL');
    },
  };
}

/** Whether the process has a handler for SIGHUP (signal 1: bit 0 of the SigCgt mask of /proc/PID/status). */
function catches(pid: number): boolean {
  const mask = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return mask !== undefined && (BigInt(`0x${mask}`) & 1n) !== 0n;
}

/** Whether something accepts connections on the daemon's port. */
function listening(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ host: '127.0.0.1', port });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Polls until the daemon has its own signal handlers; then whether it was still starting (its port
 * not bound). SIGHUP tells: Node itself catches SIGTERM from the start (to restore the terminal
 * before dying of it), never SIGHUP, and apexsync installs its handlers for both together.
 */
async function caughtWhileStarting(d: DaemonProcess): Promise<boolean> {
  const pid = d.child.pid!;
  expect(await eventually(() => !d.alive || catches(pid), 15_000, 2)).toBe(true);
  expect(d.alive).toBe(true);
  return !(await listening());
}

describe('apexsync run: bounded against hostile and careless input', () => {
  it(`keeps /healthz and /metrics answering with 1 100 silent connections open, and closes them (at most ${HTTP_LIMITS.maxConnections} kept)`, async () => {
    const d = start();
    expect(await eventually(async () => (await d.status('/readyz')) === 200, 20_000)).toBe(true);
    const descriptors = (): number => readdirSync(`/proc/${d.child.pid}/fd`).length;
    const before = descriptors();
    const crowd = silentCrowd(1100);
    await crowd.ready;
    // The daemon holds at most maxConnections of them (plus a few accepted and about to be closed).
    expect(descriptors() - before).toBeLessThanOrEqual(HTTP_LIMITS.maxConnections + 16);
    expect(await d.status('/healthz')).toBe(200);
    expect(await d.status('/metrics')).toBe(200);
    expect(await d.status('/readyz')).toBe(200);
    // The crowd is let go: the oldest make room at once, the rest within the header timeout.
    expect(await eventually(() => crowd.open() === 0, HTTP_LIMITS.headersTimeoutMs + 10_000)).toBe(true);
    crowd.close();
    // The daemon still did its job (no EMFILE): the record was published, and it stops cleanly.
    expect(zone()).toMatch(/\sA\s+93\.184\.216\.34/);
    expect((await d.stop()).code).toBe(0);
    expect(d.stderr).not.toMatch(/EMFILE/);
  });

  it('a zone file with a $GENERATE of a 300 000 000-character width: the daemon stays up, reports it, and leaves the file alone', async () => {
    const hostile = `${ZONE}$GENERATE 1-100 host-\${0,300000000,d} A 192.0.2.$\n`;
    writeFileSync(path.join(dir, 'example.com.zone'), hostile);
    const d = start();
    expect(await eventually(() => d.stderr.includes('is larger than 2048'), 20_000)).toBe(true);
    expect(d.alive).toBe(true);
    expect(await d.status('/healthz')).toBe(200);
    expect(zone()).toBe(hostile);
    expect((await d.stop()).code).toBe(0);
  });

  it('SIGHUP while it is still starting does not kill it: handled once it runs', async () => {
    const d = start();
    expect(await caughtWhileStarting(d)).toBe(true);
    d.child.kill('SIGHUP');
    d.child.kill('SIGHUP');
    expect(await eventually(() => d.stderr.includes('"msg":"apexsync run started"'), 20_000)).toBe(true);
    expect(await eventually(() => d.stderr.includes('"msg":"config reloaded"'), 10_000)).toBe(true);
    expect(d.alive).toBe(true);
    expect(await d.status('/healthz')).toBe(200);
    const exit = await d.stop();
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM while it is still starting stops it cleanly (exit 0), not by the default action', async () => {
    const d = start();
    expect(await caughtWhileStarting(d)).toBe(true);
    d.child.kill('SIGTERM');
    const exit = await d.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(d.stderr).toContain('"msg":"stopped"');
  });
});
