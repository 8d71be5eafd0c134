import os from 'node:os';
import { startLab, type ApexPreload, type Lab } from './lib/lab.js';
import { Table } from './lib/table.js';
import { costPreload, runCost } from './scenarios/cost.js';
import { freshRecord, runFreshness } from './scenarios/freshness.js';
import { runResolver } from './scenarios/resolver.js';
import { runScale, scaleRecords, SCALE_SIZES } from './scenarios/scale.js';
import { runScript, scriptRecords } from './scenarios/script.js';
import { runStartup } from './scenarios/startup.js';

/**
 * `npm run bench`: speed, cost and footprint of apexsync next to its alternatives.
 * Runs every scenario against one real BIND on loopback and the wire-level fakes, prints one
 * table on stdout and exits 0. `npm run bench -- scale resolver` runs only the named scenarios.
 */
type ScenarioName = 'scale' | 'script' | 'resolver' | 'cost' | 'freshness' | 'startup';
const ALL: readonly ScenarioName[] = ['startup', 'resolver', 'scale', 'script', 'cost', 'freshness'];

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((name) => !ALL.includes(name as ScenarioName));
  if (unknown.length > 0) {
    process.stderr.write(`bench: no scenario ${unknown.join(', ')}; choose from ${ALL.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const wanted = argv.length === 0 ? ALL : ALL.filter((name) => argv.includes(name));
  const table = new Table();
  const started = performance.now();
  const loadAtStart = os.loadavg();
  let lab: Lab;
  try {
    lab = await startLab(preloadFor(wanted));
  } catch (error) {
    // Most often BIND 9 is missing: the message says what to install.
    process.stderr.write(`bench: cannot start the lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    for (const name of wanted) {
      try {
        await SCENARIOS[name](lab, table);
      } catch (error) {
        table.add({
          scenario: name,
          case: 'scenario',
          measured: `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200),
          reference: '',
          target: '',
          verdict: 'ERROR',
        });
      }
    }
  } finally {
    await lab.close();
  }
  const cpus = os.cpus();
  process.stdout.write(
    `\napexsync benchmark — ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ` +
      `load average ${loadText(loadAtStart)} at the start, ${loadText(os.loadavg())} at the end, ${Math.round((performance.now() - started) / 1000)} s in all\n\n${table.render()}\n`,
  );
}

/** Load averages over 1, 5 and 15 minutes: other work on the machine shows in every figure. */
function loadText(load: readonly number[]): string {
  return load.map((l) => l.toFixed(1)).join('/');
}

const SCENARIOS: Record<ScenarioName, (lab: Lab, table: Table) => Promise<void>> = {
  scale: (lab, table) => runScale(lab, table),
  script: (lab, table) => runScript(lab, table),
  resolver: (lab, table) => runResolver(lab, table),
  cost: (lab, table) => runCost(lab, table),
  freshness: (lab, table) => runFreshness(lab, table),
  startup: (lab, table) => runStartup(lab, table),
};

/** Every RFC 2136 name the chosen scenarios use, loaded into BIND's apex zone at start. */
function preloadFor(wanted: readonly ScenarioName[]): ApexPreload {
  const stale = [
    ...(wanted.includes('scale') ? SCALE_SIZES.flatMap((size) => scaleRecords('rfc2136', size)) : []),
    ...(wanted.includes('script') ? Object.values(scriptRecords()).flat() : []),
    ...(wanted.includes('freshness') ? [freshRecord()] : []),
  ];
  return { stale, inSync: wanted.includes('cost') ? costPreload() : [] };
}

await main(process.argv.slice(2));
