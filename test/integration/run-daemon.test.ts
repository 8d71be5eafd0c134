import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startDnsFace, type FaceState } from '../support/dns-face.js';
import { parseZoneText } from '../../providers/zonefile/load.js';
import { recordSetsAt } from '../../providers/zonefile/zone-state.js';

/**
 * `apexsync run` as a real process (the built CLI) against a temp zone file and the in-process
 * DNS server. Short TTLs and intervals (1–2 s) so that nothing waits for minutes; every wait is
 * a poll with a generous bound, never a timing assertion.
 */

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. ( 2024010100 7200 3600 1209600 300 )
    IN NS  ns1.example.com.
    IN MX  10 mail.example.com.
@   300 IN A 198.18.0.1
ns1 IN A 192.0.2.53
mail IN A 192.0.2.25
`;

let dns: TestDnsServer;
let dir: string;
let zoneFile: string;
let configFile: string;
let port: number;
const daemons = new Set<Daemon>();
const servers = new Set<http.Server>();

beforeAll(async () => {
  dns = await startTestDnsServer();
});
afterAll(async () => {
  await dns.close();
});

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-run-'));
  zoneFile = path.join(dir, 'example.com.zone');
  configFile = path.join(dir, 'apexsync.yaml');
  writeFileSync(zoneFile, ZONE);
  for (const name of ['lb.target.test', 'www.target.test']) {
    dns.setBehaviour(name, null);
    dns.remove(name);
  }
  dns.setAddresses('lb.target.test', 'A', ['93.184.216.34'], 2);
  dns.setAddresses('www.target.test', 'A', ['151.101.1.10'], 2);
  port = await freePort();
  writeConfig();
});

afterEach(async () => {
  // A test that failed half-way still stops its daemon.
  await Promise.all([...daemons].map((d) => d.kill()));
  await Promise.all([...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  servers.clear();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(records = '  - { name: example.com, target: lb.target.test, families: [A] }', extra = ''): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 300, attempts: 1 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
${records}
schedule: "*/5 * * * * *"
interval: { min: 1s, max: 2s }
staleAfter: 4s
damping: { holdDown: 1s, samples: 1 }
server: { listen: "127.0.0.1:${port}" }
logLevel: info
${extra}`,
  );
}

describe('apexsync run', () => {
  it('publishes at start, then publishes a target change within its TTL plus a few seconds, leaving the rest of the zone alone', async () => {
    const daemon = await startDaemon();
    await waitFor(() => zone().includes('93.184.216.34'), 'first publication');
    expect(zone()).not.toContain('198.18.0.1');

    dns.setAddresses('lb.target.test', 'A', ['93.184.216.99'], 2);
    await waitFor(() => zone().includes('93.184.216.99') && !zone().includes('93.184.216.34'), 'the target change', 2000 + 8000);
    for (const line of ['IN MX  10 mail.example.com.', 'mail IN A 192.0.2.25', 'ns1 IN A 192.0.2.53']) expect(zone()).toContain(line);
    expect(daemon.logs.some((l) => l.msg === 'records updated' && l.record === 'example.com')).toBe(true);

    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(daemon.logs.at(-1)?.msg).toBe('stopped');
    // stderr carries only pino's JSON lines (node-cron's own messages are routed through it).
    expect(daemon.logs.filter((l) => l.msg?.startsWith('(not JSON)'))).toEqual([]);
  });

  it('serves /healthz, /readyz and the documented /metrics series', async () => {
    const daemon = await startDaemon();
    await waitFor(async () => (await get('/readyz')).status === 200, 'readiness');
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const ready = JSON.parse((await get('/readyz')).body) as { ready: boolean; records: number; stale: unknown[] };
    expect(ready).toMatchObject({ ready: true, records: 1, stale: [] });

    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const series of [
      '# TYPE apexsync_rounds_total counter',
      'apexsync_rounds_total{kind="full",result="ok"}',
      'apexsync_changes_total{provider="files",family="A",action="update"} 1',
      '# TYPE apexsync_resolution_duration_seconds histogram',
      'apexsync_resolution_duration_seconds_count{family="A",result="addresses"}',
      'apexsync_provider_call_duration_seconds_count{provider="files",operation="read",result="ok"}',
      'apexsync_provider_call_duration_seconds_count{provider="files",operation="apply",result="ok"} 1',
      '# TYPE apexsync_errors_total counter',
      'apexsync_record_last_success_timestamp_seconds{record="example.com",provider="files"}',
      'apexsync_record_published_addresses{record="example.com",provider="files",family="A"} 1',
      'apexsync_record_published_addresses{record="example.com",provider="files",family="AAAA"} 0',
      'apexsync_ready 1',
      'apexsync_process_cpu_seconds_total',
      'apexsync_nodejs_heap_size_used_bytes',
    ]) {
      expect(metrics.body).toContain(series);
    }
    expect((await get('/nothing')).status).toBe(404);
    expect((await get('/metrics', 'POST')).status).toBe(405);
    expect(await daemon.stop('SIGINT')).toBe(0);
  });

  it('/readyz turns 503 when a target fails for longer than staleAfter, and 200 again after it recovers; the heartbeat follows', async () => {
    const pings: string[] = [];
    const monitor = http.createServer((request, response) => {
      pings.push(request.url ?? '');
      response.end('OK');
    });
    await new Promise<void>((resolve) => monitor.listen(0, '127.0.0.1', resolve));
    servers.add(monitor);
    const monitorPort = (monitor.address() as net.AddressInfo).port;
    writeConfig(undefined, `heartbeat: { url: "http://127.0.0.1:${monitorPort}/ping/check-uuid" }\n`);
    const daemon = await startDaemon();
    await waitFor(async () => (await get('/readyz')).status === 200, 'readiness');
    expect((await runCli(['healthcheck', '-c', configFile], { cwd: dir })).code).toBe(0);

    dns.setBehaviour('lb.target.test', 'servfail');
    await waitFor(async () => (await get('/readyz')).status === 503, 'staleness', 4000 + 8000);
    const body = JSON.parse((await get('/readyz')).body) as { ready: boolean; stale: Array<{ record: string; reason: string }> };
    expect(body.ready).toBe(false);
    expect(body.stale).toHaveLength(1);
    expect(body.stale[0]!.record).toBe('example.com');
    expect(body.stale[0]!.reason).toMatch(/no successful round for \d+s; last error at resolve: A: SERVFAIL/);
    // Still alive, and the published record was left as it was.
    expect((await get('/healthz')).status).toBe(200);
    expect(zone()).toContain('93.184.216.34');
    const unhealthy = await runCli(['healthcheck', '-c', configFile], { cwd: dir });
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stdout).toMatch(/^not ready \(HTTP 503\): example\.com: no successful round/);
    expect((await get('/metrics')).body).toMatch(/apexsync_errors_total\{stage="resolve",kind="servfail"\} [1-9]/);

    // The full reconcile (every 5 s) pinged success at start, and /fail while the target failed.
    await waitFor(() => pings.includes('/ping/check-uuid/fail'), 'a /fail heartbeat', 5000 + 5000);
    expect(pings[0]).toBe('/ping/check-uuid');
    // The check's URL is its credential: never in a log line.
    expect(JSON.stringify(daemon.logs)).not.toContain('check-uuid');

    dns.setBehaviour('lb.target.test', null);
    // Back-off is capped at interval.max (2 s).
    await waitFor(async () => (await get('/readyz')).status === 200, 'recovery', 2000 + 8000);
    expect((await runCli(['healthcheck', '--url', `http://127.0.0.1:${port}`])).code).toBe(0);
    await waitFor(() => pings.at(-1) === '/ping/check-uuid', 'a success heartbeat after recovery', 5000 + 5000);
    expect((await get('/metrics')).body).toMatch(/apexsync_heartbeats_total\{signal="fail",result="sent"\} [1-9]/);
    expect(await daemon.stop('SIGTERM')).toBe(0);
  });

  it('SIGHUP with a broken config keeps the old one; a valid one is applied', async () => {
    const daemon = await startDaemon();
    await waitFor(() => zone().includes('93.184.216.34'), 'first publication');

    writeFileSync(configFile, 'records: [ { name: "example.com" ');
    daemon.signal('SIGHUP');
    await waitFor(() => daemon.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('config reload refused')), 'the refusal');
    const refusal = daemon.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('config reload refused'))!;
    expect(refusal.msg).toMatch(/^config reload refused, keeping the previous config: .*apexsync\.yaml:1:\d+: /);
    // The old config still runs: a target change is still published.
    dns.setAddresses('lb.target.test', 'A', ['93.184.216.77'], 2);
    await waitFor(() => zone().includes('93.184.216.77'), 'a change under the old config');
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/metrics')).body).toContain('apexsync_config_reloads_total{result="refused"} 1');

    writeConfig(`  - { name: example.com, target: lb.target.test, families: [A] }
  - { name: www.example.com, target: www.target.test, families: [A] }`);
    daemon.signal('SIGHUP');
    await waitFor(() => /^www(\.example\.com\.)?\s.*151\.101\.1\.10$/m.test(zone()), 'the record added by the reload');
    expect(daemon.logs.some((l) => l.msg === 'config reloaded')).toBe(true);
    await waitFor(async () => JSON.parse((await get('/readyz')).body).records === 2, 'two records ready');
    expect(await daemon.stop('SIGTERM')).toBe(0);
  });

  it('a config error at start-up exits 2 with one line per problem; a taken port exits 1', async () => {
    const valid = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, valid.replace('interval: { min: 1s, max: 2s }', 'interval: { min: 5m, max: 1m }'));
    const bad = await runCli(['run', '-c', configFile], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['apexsync: interval: min is greater than max']);
    writeFileSync(configFile, valid.replace('"*/5 * * * * *"', '"every five minutes"'));
    const cron = await runCli(['run', '-c', configFile], { cwd: dir });
    expect(cron.code).toBe(2);
    expect(cron.stderr.trim().split('\n')).toHaveLength(1);
    expect(cron.stderr).toMatch(/^apexsync: schedule: not a cron expression/);
    expect(zone()).toBe(ZONE);

    writeConfig();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const taken = await runCli(['run', '-c', configFile], { cwd: dir });
      expect(taken.code).toBe(1);
      expect(taken.stderr).toMatch(/apexsync: cannot start: .*EADDRINUSE/);
      expect(zone()).toBe(ZONE);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
  it('reports served state in /readyz and /metrics: a lagging server makes the record propagating, then diverged (not ready), then served', async () => {
    // One server serves the file as it is; the other keeps the old apex until the test lets it catch up.
    const fileState = (): FaceState => new Map([['example.com', recordSetsAt(parseZoneText(zoneFile, zone(), undefined), 'example.com')]]);
    let laggingState: FaceState = fileState();
    const fresh = await startDnsFace({ zone: 'example.com', state: fileState });
    const lagging = await startDnsFace({ zone: 'example.com', state: () => laggingState });
    try {
      writeConfig(undefined, `verify: { servers: ["${fresh.address}", "${lagging.address}"], timeout: 3s }`);
      const daemon = await startDaemon();
      await waitFor(() => zone().includes('93.184.216.34'), 'first publication');
      await waitFor(() => daemon.logs.some((l) => l.msg === 'records updated'), 'the write logged');
      expect(daemon.logs.find((l) => l.msg === 'records updated')).toMatchObject({ record: 'example.com', served: 'propagating' });

      await waitFor(async () => (await get('/readyz')).body.includes('"diverged":[{'), 'the record to be diverged', 20_000);
      const diverged = await get('/readyz');
      expect(diverged.status).toBe(503);
      expect(JSON.parse(diverged.body).diverged).toEqual([
        { record: 'example.com', provider: 'files', servers: [{ server: lagging.address, status: 'diverged', values: { A: ['198.18.0.1'] } }] },
      ]);
      expect((await get('/metrics')).body).toContain('apexsync_served{record="example.com",status="diverged"} 1');

      laggingState = fileState();
      await waitFor(async () => (await get('/readyz')).status === 200, 'ready again once every server serves it', 20_000);
      expect(JSON.parse((await get('/readyz')).body)).toMatchObject({ ready: true, served: { served: 1 }, diverged: [] });
      expect((await get('/metrics')).body).toContain('apexsync_served{record="example.com",status="served"} 1');
    } finally {
      await Promise.all([fresh.close(), lagging.close()]);
    }
  });
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface LogLine {
  readonly msg?: string;
  readonly [key: string]: unknown;
}

interface Daemon {
  readonly logs: LogLine[];
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  kill(): Promise<void>;
}

async function startDaemon(): Promise<Daemon> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'run', '-c', configFile], {
    cwd: dir,
    env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: `(not JSON) ${line}` });
      }
    }
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const daemon: Daemon = {
    logs,
    signal: (signal) => child.kill(signal),
    async stop(signal) {
      child.kill(signal);
      const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
      daemons.delete(daemon);
      if (code === 'timeout') throw new Error('the daemon did not exit within 20 s');
      expect(stdout).toBe('');
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      daemons.delete(daemon);
    },
  };
  daemons.add(daemon);
  await waitFor(() => logs.some((l) => l.msg === 'apexsync run started'), 'start-up', 15_000);
  return daemon;
}

const zone = (): string => readFileSync(zoneFile, 'utf8');

async function get(pathname: string, method = 'GET'): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`, { method, signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as net.AddressInfo;
      server.close(() => resolve(free));
    });
  });
}
