import path from 'node:path';
import { writeConfig } from '../lib/config.js';
import { managedRecords } from '../lib/fixtures.js';
import type { Lab } from '../lib/lab.js';
import { baseEnv, runCli, syncSummary, type MeasuredRun } from '../lib/measure.js';
import { startProvider, type ProviderType } from '../lib/providers.js';
import { megabytes, milliseconds, type Table } from '../lib/table.js';

/**
 * Scenario 6, start-up: `apexsync --help` and a one-record `sync --dry-run`, each a fresh Node
 * process (nothing warm but the OS page cache), RUNS times; the median is the figure, the first
 * run (the coldest) is shown beside it. The one-record dry-run uses the zone-file provider, so no
 * SDK should load; the Route 53, Cloudflare, Cloud DNS and Azure DNS ones show what loading their
 * SDK costs.
 */
const RUNS = 7;
const HELP_TARGET_MS = 250;
const DRY_RUN_TARGET_MS = 600;

export async function runStartup(lab: Lab, table: Table): Promise<void> {
  const env = baseEnv();
  const help = await repeat(
    () => runCli(['--help'], { env }),
    (run) => run.code === 0 && run.stdout.includes('Usage'),
  );
  addRow(table, '--help', help, HELP_TARGET_MS);

  for (const type of ['zonefile', 'route53', 'cloudflare', 'googleclouddns', 'azuredns'] as const satisfies readonly ProviderType[]) {
    const provider = await startProvider(type, lab);
    try {
      const records = managedRecords(`one-${type}.test`, 'www', 1);
      const settings = await provider.prepare(records[0]!.zone, records, 'stale');
      const config = await writeConfig(path.join(lab.dir, `startup-${type}.yaml`), { resolverServer: lab.bind.address, providerId: type, providerSettings: settings, records });
      const runs = await repeat(
        () => runCli(['sync', '-c', config, '--dry-run', '--output', 'json'], { env: baseEnv(provider.env), cwd: lab.dir }),
        (run) => run.code === 0 && syncSummary(run.stdout)?.wouldUpdate === 1,
      );
      addRow(table, `1-record sync --dry-run (${type})`, runs, type === 'zonefile' ? DRY_RUN_TARGET_MS : undefined);
    } finally {
      await provider.close();
    }
  }
}

async function repeat(run: () => Promise<MeasuredRun>, ok: (run: MeasuredRun) => boolean): Promise<MeasuredRun[] | string> {
  const runs: MeasuredRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await run();
    if (!ok(result)) return `exit ${result.code}: ${(result.stderr.trim() || result.stdout.trim()).slice(0, 160)}`;
    runs.push(result);
  }
  return runs;
}

function addRow(table: Table, caseName: string, runs: MeasuredRun[] | string, targetMs: number | undefined): void {
  const target = targetMs === undefined ? '' : `< ${targetMs} ms`;
  if (typeof runs === 'string') {
    table.add({ scenario: '6 start-up', case: caseName, measured: runs, reference: '', target, verdict: 'ERROR' });
    return;
  }
  const median = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
  const peak = Math.max(...runs.map((r) => r.peakRssMb ?? 0));
  table.add({
    scenario: '6 start-up',
    case: caseName,
    measured: `${milliseconds(median.wallMs)} median of ${runs.length} · ${megabytes(peak || undefined)}`,
    reference: `first run ${milliseconds(runs[0]!.wallMs)}`,
    target,
    verdict: targetMs === undefined ? 'info' : median.wallMs < targetMs ? 'met' : 'MISSED',
  });
}
