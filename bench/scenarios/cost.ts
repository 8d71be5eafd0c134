import path from 'node:path';
import { writeConfig } from '../lib/config.js';
import { managedRecords, type ManagedRecord } from '../lib/fixtures.js';
import { APEX_ZONE, changeTargets, type Lab } from '../lib/lab.js';
import { baseEnv, firstFailure, runCli, syncSummary } from '../lib/measure.js';
import { startProvider, type BenchProvider, type CallCounts, type ProviderType } from '../lib/providers.js';
import type { Table } from '../lib/table.js';

/**
 * Scenario 4, API cost: provider calls of one `sync` round over 1 000 names in 10 zones (RFC 2136:
 * in BIND's one apex zone), first in a steady state (every name already right), then after 10 %
 * of the targets changed (10 per zone, so every zone has a change). Counted at the wire by the
 * fakes and by BIND's counting relay, next to the floor the API allows.
 */
const NAMES = 1_000;
const ZONES = 10;
const CHANGED_EVERY = 10;

/** Route 53: 300 record sets per ListResourceRecordSets page (each zone also holds SOA and NS). */
const ROUTE53_PAGE = 300;
/** Cloudflare: the adapter lists a zone 5 000 records per page. */
const CLOUDFLARE_PAGE = 5_000;
/** Cloud DNS: 1 000 record sets per resourceRecordSets.list page. */
const CLOUD_DNS_PAGE = 1_000;
/** Azure DNS: the API's 100 record sets per listing page. */
const AZURE_PAGE = 100;

interface CostCase {
  readonly type: Exclude<ProviderType, 'zonefile'>;
  /** Where its names start in the target list: each provider follows its own targets. */
  readonly firstTarget: number;
}
const CASES: readonly CostCase[] = [
  { type: 'route53', firstTarget: 1_000 },
  { type: 'cloudflare', firstTarget: 2_000 },
  { type: 'rfc2136', firstTarget: 3_000 },
  { type: 'googleclouddns', firstTarget: 4_000 },
  { type: 'azuredns', firstTarget: 5_000 },
];

export function costRecords(type: CostCase['type'], firstTarget: number): ManagedRecord[] {
  if (type === 'rfc2136') return managedRecords(`cost.${APEX_ZONE}`, 'c', NAMES, firstTarget).map((r) => ({ ...r, zone: APEX_ZONE }));
  const perZone = NAMES / ZONES;
  return Array.from({ length: ZONES }, (_, z) => managedRecords(`cost${z}.test`, 'c', perZone, firstTarget + z * perZone)).flat();
}

/** The RFC 2136 names this scenario needs in BIND, already equal to their targets. */
export function costPreload(): ManagedRecord[] {
  return costRecords('rfc2136', CASES.find((c) => c.type === 'rfc2136')!.firstTarget);
}

interface Floor {
  readonly reads: number;
  readonly writes: number;
  readonly text: string;
}

function floorFor(type: CostCase['type'], zonesWithChanges: number): Floor {
  const setsPerZone = (NAMES / ZONES) * 2;
  switch (type) {
    case 'route53': {
      // One ListHostedZonesByName page names every zone of an account with ≤ 100 zones.
      const pages = ZONES * Math.ceil((setsPerZone + 2) / ROUTE53_PAGE);
      return { reads: pages + 1, writes: zonesWithChanges, text: `${pages} list + 1 zone list, ${zonesWithChanges} change batches` };
    }
    case 'cloudflare': {
      const pages = ZONES * Math.ceil(setsPerZone / CLOUDFLARE_PAGE);
      return { reads: pages + ZONES, writes: zonesWithChanges, text: `${pages} list + ${ZONES} zone id, ${zonesWithChanges} batches` };
    }
    case 'googleclouddns': {
      // One listing per zone, the zone list, one token; a change per changed zone, polled once until done.
      const pages = ZONES * Math.ceil((setsPerZone + 2) / CLOUD_DNS_PAGE);
      return {
        reads: pages + 2 + zonesWithChanges,
        writes: zonesWithChanges,
        text: `${pages} list + 1 zone list + 1 token${zonesWithChanges > 0 ? ` + ${zonesWithChanges} done polls` : ''}, ${zonesWithChanges} changes`,
      };
    }
    case 'azuredns': {
      // One listing per zone (100 per page), the zone list, discovery + token; one write per changed record set (no batch).
      const pages = ZONES * Math.ceil((setsPerZone + 2) / AZURE_PAGE);
      const sets = zonesWithChanges === 0 ? 0 : (NAMES / CHANGED_EVERY) * 2;
      return { reads: pages + 3, writes: sets, text: `${pages} list pages + 1 zone list + 2 token, ${sets} record-set PUTs` };
    }
    case 'rfc2136': {
      // No listing in the protocol short of a zone transfer (rarely granted): A and AAAA per name;
      // after an UPDATE, A and AAAA of each changed name again (NOERROR alone does not prove it applied).
      const readBack = zonesWithChanges === 0 ? 0 : (NAMES / CHANGED_EVERY) * 2;
      return {
        reads: NAMES * 2 + readBack,
        writes: zonesWithChanges === 0 ? 0 : 1,
        text: `${NAMES * 2} queries (A+AAAA per name)${readBack > 0 ? ` + ${readBack} read back` : ''}, ${zonesWithChanges === 0 ? 0 : 1} UPDATE`,
      };
    }
  }
}

export async function runCost(lab: Lab, table: Table): Promise<void> {
  for (const c of CASES) {
    const provider = await startProvider(c.type, lab, { viaRelay: true });
    try {
      await costCase(lab, table, provider, c);
    } finally {
      await provider.close();
    }
  }
  table.add({ scenario: '4 API cost', case: 'zonefile', measured: 'no API: reads the file, one atomic rename per changed zone', reference: '', target: '', verdict: 'n/a' });
}

async function costCase(lab: Lab, table: Table, provider: BenchProvider, c: CostCase): Promise<void> {
  const records = costRecords(c.type, c.firstTarget);
  const zones = [...new Set(records.map((r) => r.zone))];
  let settings = '';
  for (const zone of zones)
    settings = await provider.prepare(
      zone,
      records.filter((r) => r.zone === zone),
      'in-sync',
    );
  const env = baseEnv(provider.env);
  const round = async (label: string, expectUpdated: number, withZone = true): Promise<CallCounts | string> => {
    const config = await writeConfig(path.join(lab.dir, `cost-${c.type}-${label}.yaml`), {
      resolverServer: lab.bind.address,
      providerId: c.type,
      providerSettings: settings,
      records,
      withZone,
    });
    provider.resetCounts();
    const run = await runCli(['sync', '-c', config, '--output', 'json'], { env, cwd: lab.dir });
    const summary = syncSummary(run.stdout);
    if (run.code !== 0 || summary?.updated !== expectUpdated) {
      return `exit ${run.code}, ${summary?.updated ?? '?'} updated (expected ${expectUpdated}): ${firstFailure(run.stdout) ?? run.stderr.trim().slice(0, 120)}`;
    }
    return provider.counts();
  };

  const steady = await round('steady', 0);
  addCostRow(table, c.type, 'steady state', steady, floorFor(c.type, 0));

  const changed = records.filter((_, i) => i % CHANGED_EVERY === 0);
  await changeTargets(
    lab,
    changed.map((r) => r.targetIndex),
    1,
  );
  const zonesWithChanges = new Set(changed.map((r) => r.zone)).size;
  const tenPercent = await round('changed', changed.length);
  addCostRow(table, c.type, `${(changed.length * 100) / NAMES} % of targets changed`, tenPercent, floorFor(c.type, zonesWithChanges));

  if (c.type !== 'rfc2136') {
    // The same steady round with no `zone:` on the records: what zone discovery costs.
    const discovering = await round('discovery', 0, false);
    addCostRow(table, c.type, 'steady, zones discovered (no zone:)', discovering, floorFor(c.type, 0));
  }
}

function addCostRow(table: Table, type: string, label: string, counts: CallCounts | string, floor: Floor): void {
  const caseName = `${type}, ${NAMES.toLocaleString('en-US')} names in ${type === 'rfc2136' ? '1 zone' : `${ZONES} zones`}: ${label}`;
  if (typeof counts === 'string') {
    table.add({ scenario: '4 API cost', case: caseName, measured: counts, reference: floor.text, target: '', verdict: 'ERROR' });
    return;
  }
  const detail = Object.entries(counts.byOperation)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  const atFloor = counts.reads <= floor.reads && counts.writes <= floor.writes;
  table.add({
    scenario: '4 API cost',
    case: caseName,
    measured: `${counts.reads} reads · ${counts.writes} writes (${detail})`,
    reference: `floor: ${floor.text}`,
    target: floor.writes === 0 ? 'at floor, 0 writes' : 'at floor',
    verdict: atFloor ? 'met' : 'MISSED',
  });
}
