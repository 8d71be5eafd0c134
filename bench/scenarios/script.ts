import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeConfig } from '../lib/config.js';
import { managedRecords, targetAddresses, type ManagedRecord } from '../lib/fixtures.js';
import { APEX_ZONE, rfc2136Settings, type Lab } from '../lib/lab.js';
import { baseEnv, firstFailure, runCli, runMeasured, syncSummary } from '../lib/measure.js';
import { REPO_ROOT } from '../lib/paths.js';
import { ratio, seconds, type Table } from '../lib/table.js';

/**
 * Scenario 2: the same 1 000-record RFC 2136 sync (every record stale) done by the shell loop in
 * bench/sync-loop.sh and by `apexsync sync`, against the same BIND, one after the other. Each has
 * its own 1 000 names in the same state, so neither finds the other's work done.
 */
export const SCRIPT_SIZE = 1_000;
const TARGET_RATIO = 10;

export function scriptRecords(): { shell: ManagedRecord[]; apexsync: ManagedRecord[] } {
  const at = (prefix: string) => managedRecords(`loop.${APEX_ZONE}`, prefix, SCRIPT_SIZE).map((r) => ({ ...r, zone: APEX_ZONE }));
  return { shell: at('sh'), apexsync: at('ax') };
}

const SCRIPT = path.join(REPO_ROOT, 'bench', 'sync-loop.sh');

export async function runScript(lab: Lab, table: Table): Promise<void> {
  const { shell, apexsync } = scriptRecords();
  const [resolverHost, resolverPort] = lab.bind.address.split(':') as [string, string];
  const key = lab.bind.adminKey;

  const list = path.join(lab.dir, 'loop-records.txt');
  await writeFile(list, shell.map((r) => `${r.name} ${r.target}\n`).join(''));
  const loop = await runMeasured('sh', [SCRIPT, resolverHost, resolverPort, resolverHost, resolverPort, APEX_ZONE, list], {
    env: baseEnv(),
    stdin: `${key.algorithm}:${key.name} ${key.secret}\n`,
  });
  const loopOk = loop.code === 0 && loop.stdout.includes(`updated ${SCRIPT_SIZE} `) && (await published(lab, shell));

  const config = await writeConfig(path.join(lab.dir, 'loop-apexsync.yaml'), {
    resolverServer: lab.bind.address,
    providerId: 'bind',
    providerSettings: rfc2136Settings(lab, lab.bind.address),
    records: apexsync,
  });
  const ours = await runCli(['sync', '-c', config, '--output', 'json'], { env: baseEnv({ TSIG_SECRET: key.secret }), cwd: lab.dir });
  const oursOk = ours.code === 0 && syncSummary(ours.stdout)?.updated === SCRIPT_SIZE && (await published(lab, apexsync));

  if (!loopOk || !oursOk) {
    const why = !loopOk
      ? `shell loop: exit ${loop.code}, ${loop.stdout.trim() || loop.stderr.trim().slice(0, 120)}`
      : `apexsync: exit ${ours.code}, ${firstFailure(ours.stdout) ?? ours.stderr.trim().slice(0, 120)}`;
    table.add({ scenario: '2 vs script', case: `rfc2136 ${SCRIPT_SIZE.toLocaleString('en-US')} records, all stale`, measured: why, reference: '', target: '', verdict: 'ERROR' });
    return;
  }
  const speedup = loop.wallMs / ours.wallMs;
  table.add({
    scenario: '2 vs script',
    case: `rfc2136 ${SCRIPT_SIZE.toLocaleString('en-US')} stale records: apexsync sync vs shell loop`,
    measured: `${seconds(ours.wallMs)}`,
    reference: `shell loop ${seconds(loop.wallMs)} → ${ratio(speedup)} faster`,
    target: `≥ ${TARGET_RATIO}×`,
    verdict: speedup >= TARGET_RATIO ? 'met' : 'MISSED',
  });
}

/** True when every name now publishes its target's addresses (checked at BIND, a sample of 50). */
async function published(lab: Lab, records: readonly ManagedRecord[]): Promise<boolean> {
  const step = Math.max(1, Math.floor(records.length / 50));
  for (let i = 0; i < records.length; i += step) {
    const r = records[i]!;
    const want = targetAddresses(r.targetIndex);
    const [a, aaaa] = await Promise.all([lab.bind.rrset(r.name, 'A'), lab.bind.rrset(r.name, 'AAAA')]);
    if (a?.values.join() !== want.A || aaaa?.values.join() !== want.AAAA) return false;
  }
  return true;
}
