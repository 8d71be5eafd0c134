import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeConfig } from '../lib/config.js';
import { managedRecords, targetAddresses, targetName, TARGET_COUNT, type ManagedRecord } from '../lib/fixtures.js';
import { APEX_ZONE, changeTargets, rfc2136Settings, type Lab } from '../lib/lab.js';
import { baseEnv, CLI, runCli } from '../lib/measure.js';
import { REPO_ROOT } from '../lib/paths.js';
import { startProvider } from '../lib/providers.js';
import { megabytes, seconds, type Table } from '../lib/table.js';

/**
 * Scenario 5, freshness, and the daemon's footprint — both need `apexsync run`:
 * - freshness: the daemon keeps one RFC 2136 name on a target whose TTL is FRESH_TTL_S; the target
 *   changes (a real dynamic update) and BIND is polled until the name answers the new addresses and
 *   nothing else (an old address still published is not fresh);
 * - footprint: the daemon with 10 000 zone-file records, peak and settled RSS once /readyz is 200.
 */
const FRESH_TTL_S = 5;
const FRESH_TARGET = TARGET_COUNT - 1;
const DAEMON_RECORDS = 10_000;
const DAEMON_RSS_TARGET_MB = 150;
const POLL_MS = 100;

/** The name the daemon keeps fresh, preloaded in BIND with stale addresses. */
export function freshRecord(): ManagedRecord {
  return { name: `live.${APEX_ZONE}`, zone: APEX_ZONE, target: targetName(FRESH_TARGET), targetIndex: FRESH_TARGET };
}

export async function runFreshness(lab: Lab, table: Table): Promise<void> {
  const help = await runCli(['--help'], { env: baseEnv() });
  if (!/^\s+run\b/m.test(help.stdout)) {
    const na = 'n/a (run mode not built)';
    table.add({
      scenario: '5 freshness',
      case: `run: target change → apex answers (target TTL ${FRESH_TTL_S} s)`,
      measured: na,
      reference: '',
      target: `≤ TTL + 2 s`,
      verdict: 'n/a',
    });
    table.add({
      scenario: '6 start-up',
      case: `daemon RSS, ${DAEMON_RECORDS.toLocaleString('en-US')} records`,
      measured: na,
      reference: '',
      target: `< ${DAEMON_RSS_TARGET_MB} MB`,
      verdict: 'n/a',
    });
    return;
  }
  await freshness(lab, table);
  // As the image runs it (the target row), and with V8's defaults (for comparison).
  const imageOptions = await imageNodeOptions();
  await daemonFootprint(lab, table, imageOptions);
  if (imageOptions !== undefined) await daemonFootprint(lab, table, undefined);
}

/**
 * NODE_OPTIONS of the runtime image (Dockerfile `ENV NODE_OPTIONS="…"`): the V8 heap bounds the
 * daemon is deployed with (docs/running.md, Memory). Read from the Dockerfile so the benchmark
 * measures what ships.
 */
async function imageNodeOptions(): Promise<string | undefined> {
  const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').catch(() => '');
  return /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)?.[1];
}

async function freshness(lab: Lab, table: Table): Promise<void> {
  const record = freshRecord();
  const caseName = `run: target change → apex answers (target TTL ${FRESH_TTL_S} s)`;
  const target = `≤ ${FRESH_TTL_S + 2} s (TTL + 2 s)`;
  await changeTargets(lab, [FRESH_TARGET], 0, FRESH_TTL_S);
  const port = await freePort();
  const config = await writeConfig(path.join(lab.dir, 'freshness.yaml'), {
    resolverServer: lab.bind.address,
    providerId: 'bind',
    providerSettings: rfc2136Settings(lab, lab.bind.address),
    records: [record],
    extra: `interval: { min: 1s, max: 5m }\nserver: { listen: "127.0.0.1:${port}" }`,
  });
  const daemon = startDaemon(config, { TSIG_SECRET: lab.bind.adminKey.secret }, lab.dir);
  try {
    // The daemon's first round replaces the stale addresses: from then on it is running.
    if (!(await publishes(lab, record, 0, 60_000))) {
      table.add({
        scenario: '5 freshness',
        case: caseName,
        measured: `the daemon never published the target's addresses: ${daemon.stderr().slice(-160)}`,
        reference: '',
        target,
        verdict: 'ERROR',
      });
      return;
    }
    await changeTargets(lab, [FRESH_TARGET], 1, FRESH_TTL_S);
    const changedAt = performance.now();
    const fresh = await publishes(lab, record, 1, 60_000);
    const elapsed = performance.now() - changedAt;
    table.add({
      scenario: '5 freshness',
      case: caseName,
      measured: fresh ? `${seconds(elapsed)}` : `not fresh after ${seconds(elapsed)}`,
      reference: `TTL ${FRESH_TTL_S} s; counted until the name answers the new set only`,
      target,
      verdict: fresh && elapsed <= (FRESH_TTL_S + 2) * 1000 ? 'met' : 'MISSED',
    });
  } finally {
    await daemon.stop();
  }
}

async function daemonFootprint(lab: Lab, table: Table, nodeOptions: string | undefined): Promise<void> {
  const caseName = `daemon RSS, ${DAEMON_RECORDS.toLocaleString('en-US')} zone-file records, ${nodeOptions === undefined ? 'V8 defaults' : `as the image runs it (NODE_OPTIONS=${nodeOptions})`}`;
  // The target is for the daemon as deployed; the V8-defaults row is shown for comparison.
  const counts = nodeOptions !== undefined;
  const target = counts ? `< ${DAEMON_RSS_TARGET_MB} MB` : '';
  const provider = await startProvider('zonefile', lab);
  const records = managedRecords('daemon.test', 'd', DAEMON_RECORDS);
  const settings = await provider.prepare('daemon.test', records, 'in-sync');
  const port = await freePort();
  const config = await writeConfig(path.join(lab.dir, 'daemon.yaml'), {
    resolverServer: lab.bind.address,
    providerId: 'files',
    providerSettings: settings,
    records,
    extra: `server: { listen: "127.0.0.1:${port}" }`,
  });
  const daemon = startDaemon(config, nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }, lab.dir);
  try {
    const startedAt = performance.now();
    const ready = await pollReady(port, 240_000);
    if (!ready) {
      table.add({ scenario: '6 start-up', case: caseName, measured: `/readyz never answered 200: ${daemon.stderr().slice(-160)}`, reference: '', target, verdict: 'ERROR' });
      return;
    }
    const readyMs = performance.now() - startedAt;
    await sleep(5_000);
    const status = await readFile(`/proc/${daemon.pid}/status`, 'utf8').catch(() => '');
    const kb = (field: string): number | undefined => {
      const value = Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
      return Number.isFinite(value) ? value : undefined;
    };
    const peak = kb('VmHWM');
    const settled = kb('VmRSS');
    table.add({
      scenario: '6 start-up',
      case: caseName,
      measured: `peak ${megabytes(peak && peak / 1024)}, ${megabytes(settled && settled / 1024)} 5 s after ready`,
      reference: `ready after ${seconds(readyMs)}`,
      target,
      verdict: !counts ? 'info' : peak !== undefined && peak / 1024 < DAEMON_RSS_TARGET_MB ? 'met' : 'MISSED',
    });
  } finally {
    await daemon.stop();
    await provider.close();
  }
}

interface Daemon {
  readonly pid: number | undefined;
  stderr(): string;
  stop(): Promise<void>;
}

function startDaemon(config: string, env: Readonly<Record<string, string>>, cwd: string): Daemon {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'run', '-c', config], { cwd, env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** Polls BIND until `record` publishes generation `generation` of its target's addresses, and only those. */
async function publishes(lab: Lab, record: ManagedRecord, generation: number, timeoutMs: number): Promise<boolean> {
  const want = targetAddresses(record.targetIndex, generation);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const [a, aaaa] = await Promise.all([lab.bind.rrset(record.name, 'A'), lab.bind.rrset(record.name, 'AAAA')]);
    if (a?.values.length === 1 && a.values[0] === want.A && aaaa?.values.length === 1 && aaaa.values[0] === want.AAAA) return true;
    await sleep(POLL_MS);
  }
  return false;
}

async function pollReady(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return true;
    await sleep(500);
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
