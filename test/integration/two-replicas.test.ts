import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createResolver } from '../../src/resolve/index.js';
import type { StatusDocument } from '../../src/status/store.js';
import { ProviderPool } from '../../src/sync/provider-pool.js';
import type { RoundReport } from '../../src/sync/report.js';
import { runRound } from '../../src/sync/round.js';
import { SAME_CHANGE_HINT } from '../../src/sync/same-change.js';
import { startBind, type BindServer } from '../support/bind.js';
import { CLI } from '../support/cli.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * Two apexsync on one config (two replicas). Against BIND (RFC 2136, compare-and-swap by
 * prerequisites) and the Cloudflare fake (no compare-and-swap): a replica whose write lands after
 * the other made the same change reports the record in sync, each change is written once, no
 * record is duplicated; and two real `apexsync run` processes converge and stay put.
 */

const silent = pino({ level: 'silent' });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-replicas-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** One replica: the config loaded as `apexsync` would, with its own resolver and providers. */
function replica(file: string, env: Record<string, string>): (dryRun?: boolean) => Promise<RoundReport> {
  const config = loadConfig({ file, env });
  return async () => {
    const providers = new ProviderPool(config.providers, silent);
    try {
      return await runRound({ records: config.records, resolver: createResolver(config.resolver), providers, logger: silent, dryRun: false, samples: 1 });
    } finally {
      await providers.closeAll();
    }
  };
}

describe('two replicas against BIND (RFC 2136)', () => {
  let bind: BindServer;
  const env = (): Record<string, string> => ({ TSIG_SECRET: bind.apexsyncKey.secret });

  beforeAll(async () => {
    bind = await startBind({
      apexRecords: ['@ 300 A 52.4.7.1', 'www 300 A 52.4.7.1'],
      targetRecords: ['lb A 52.4.18.2', 'lb AAAA 2600:1f18::2'],
      managedNames: ['example.test', 'www.example.test'],
    });
  });
  afterAll(async () => {
    await bind?.stop();
  });

  function writeConfig(name: string, server: string, extra = ''): string {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      `resolver: { servers: ["${bind.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  # The zone's NS (ns1.example.test) is not reachable here: named itself is its server.
  bind: { type: rfc2136, server: "${server}", tsig: { name: ${bind.apexsyncKey.name}, algorithm: ${bind.apexsyncKey.algorithm}, secret: "\${TSIG_SECRET}" }, verify: { servers: ["${bind.address}"] } }
records:
  - { name: example.test, target: lb.target.test, ttl: 60 }
${extra}`,
    );
    return file;
  }

  it('the replica whose write comes second finds the same change made, and reports in sync: one write, no error', async () => {
    // Replica B talks through the counting relay; its UPDATE is held there while replica A runs a whole round.
    const b = replica(writeConfig('b.yaml', bind.relay.address), env());
    const a = replica(writeConfig('a.yaml', bind.address), env());
    const serial = await bind.soaSerial('example.test');
    let reportA: RoundReport | undefined;
    bind.relay.reset();
    bind.relay.beforeNextUpdate(async () => {
      reportA = await a();
    });
    const reportB = await b();

    expect(reportA!.records.map((r) => [r.status, r.error])).toEqual([['updated', null]]);
    expect(reportB.records).toHaveLength(1);
    expect(reportB.records[0]).toMatchObject({ status: 'in-sync', error: null, changes: [], hints: [SAME_CHANGE_HINT] });
    expect(reportB.records[0]!.current).toEqual({ A: { ttl: 60, values: ['52.4.18.2'] }, AAAA: { ttl: 60, values: ['2600:1f18::2'] } });
    // B sent its UPDATE (refused by its prerequisites), then only read.
    expect(bind.relay.updates()).toBe(1);
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.18.2'] });
    expect(await bind.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18::2'] });
    expect(await bind.soaSerial('example.test')).toBe(serial + 1);
  });

  it('a conflict with a different change (a hand edit in between) is still reported as a conflict', async () => {
    const b = replica(writeConfig('b2.yaml', bind.relay.address), env());
    await bind.setAddresses('target.test', 'lb.target.test', 'A', ['52.4.18.3'], 300);
    bind.relay.beforeNextUpdate(() => bind.setAddresses('example.test', 'example.test', 'A', ['52.4.99.99'], 60));
    const report = await b();
    expect(report.records[0]).toMatchObject({ status: 'failed', error: { stage: 'apply', kind: 'conflict' } });
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.99.99'] });
  });

  it('two `apexsync run` processes on one config converge on a target change and stay put: one write per change, no errors', async () => {
    await bind.setAddresses('target.test', 'lb.target.test', 'A', ['52.4.18.4'], 2);
    await bind.setAddresses('target.test', 'lb.target.test', 'AAAA', ['2600:1f18::4'], 2);
    const file = writeConfig(
      'run.yaml',
      bind.relay.address,
      `schedule: "*/2 * * * * *"
interval: { min: 1s, max: 2s }
damping: { holdDown: 0, samples: 1 }
`,
    );
    const ports = [await freePort(), await freePort()];
    const daemons = ports.map((port) => startDaemon(file, { ...env(), APEXSYNC_LISTEN: `127.0.0.1:${port}` }));
    try {
      const published = async (want: string): Promise<boolean> => {
        const documents = await Promise.all(ports.map((port) => status(port)));
        return documents.every((d) => d?.records[0]?.state === 'ok' && d.records[0].published?.A?.values.join() === want);
      };
      await waitFor(() => published('52.4.18.4'), 'both replicas publishing the target');

      // The target moves: both follow, the zone gets one write.
      const serial = await bind.soaSerial('example.test');
      await bind.setAddresses('target.test', 'lb.target.test', 'A', ['52.4.18.5'], 2);
      await waitFor(() => published('52.4.18.5'), 'both replicas following the move');
      // A few more rounds of both (reconciles every 2 s, re-resolution every 1-2 s): nothing flaps.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      expect(await bind.soaSerial('example.test')).toBe(serial + 1);
      expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.18.5'] });
      expect(await bind.rrset('example.test', 'AAAA')).toEqual({ ttl: 60, values: ['2600:1f18::4'] });
      for (const port of ports) {
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
        expect(metrics).not.toMatch(/apexsync_errors_total\{[^}]*\} [1-9]/);
        expect(metrics).not.toMatch(/apexsync_rounds_total\{kind="\w+",result="failed"\} [1-9]/);
      }
    } finally {
      await Promise.all(daemons.map(stopDaemon));
    }
  });
});

describe('two replicas against Cloudflare (no compare-and-swap)', () => {
  const TOKEN = 'cf-replicas-token-1f2e3d';
  let fake: CloudflareFake;
  let dns: TestDnsServer;

  beforeAll(async () => {
    [fake, dns] = await Promise.all([CloudflareFake.start({ token: TOKEN }), startTestDnsServer()]);
    fake.addZone('example.com');
    dns.setAddresses('lb.target.test', 'A', ['93.184.216.34', '93.184.216.35'], 120);
    dns.setAddresses('lb.target.test', 'AAAA', ['2606:2800:220:1::1'], 120);
  });
  afterAll(async () => {
    await Promise.all([fake?.close(), dns?.close()]);
  });

  const config = (): string => {
    const file = path.join(dir, 'cf.yaml');
    writeFileSync(
      file,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  cf: { type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${fake.baseUrl}" }
records:
  - { name: example.com, target: lb.target.test }
`,
    );
    return file;
  };

  /** Runs replica B; when its first write reaches the API, replica A runs a whole round first. */
  async function raced(): Promise<{ a: RoundReport; b: RoundReport }> {
    const a = replica(config(), { CLOUDFLARE_API_TOKEN: TOKEN });
    const b = replica(config(), { CLOUDFLARE_API_TOKEN: TOKEN });
    let reportA: Promise<RoundReport> | undefined;
    fake.beforeHandle = async (request) => {
      if (request.method === 'GET' || reportA) return;
      reportA = a();
      await reportA;
    };
    try {
      const reportB = await b();
      return { a: await reportA!, b: reportB };
    } finally {
      fake.beforeHandle = undefined;
    }
  }

  it('both create the records at once: the second batch is refused (identical records), re-read, and reported in sync; no duplicate', async () => {
    const { a, b } = await raced();
    expect(a.records[0]).toMatchObject({ status: 'updated', error: null });
    expect(b.records[0]).toMatchObject({ status: 'in-sync', error: null, hints: [SAME_CHANGE_HINT] });
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['93.184.216.34', '93.184.216.35']);
    expect(fake.contents('example.com', 'example.com', 'AAAA')).toEqual(['2606:2800:220:1::1']);
    expect(fake.records('example.com', { name: 'example.com' })).toHaveLength(3);
  });

  it('both update at once: the second write changes the same record ids to the same content (a no-op), no duplicate', async () => {
    const before = fake
      .records('example.com', { name: 'example.com' })
      .map((r) => r.id)
      .sort();
    dns.setAddresses('lb.target.test', 'A', ['93.184.216.36', '93.184.216.37'], 120);
    const { a, b } = await raced();
    expect(a.records[0]).toMatchObject({ status: 'updated', error: null });
    // Without compare-and-swap the provider cannot tell: B's write is sent and lands on what A wrote.
    expect(b.records[0]!.error).toBeNull();
    expect(['updated', 'in-sync']).toContain(b.records[0]!.status);
    expect(fake.contents('example.com', 'example.com', 'A')).toEqual(['93.184.216.36', '93.184.216.37']);
    expect(
      fake
        .records('example.com', { name: 'example.com' })
        .map((r) => r.id)
        .sort(),
    ).toEqual(before);
  });
});

function startDaemon(file: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'run', '-c', file], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume();
  return child;
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  await closed;
}

async function status(port: number): Promise<StatusDocument | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(3000) });
    return (await response.json()) as StatusDocument;
  } catch {
    return undefined;
  }
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
