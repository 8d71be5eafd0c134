import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AzureDnsFake } from '../../test/support/azure-dns-fake.js';
import { CloudflareFake } from '../../test/support/cloudflare-fake.js';
import { GoogleCloudDnsFake } from '../../test/support/google-cloud-dns-fake.js';
import { Route53Fake } from '../../test/support/route53-fake.js';
import { createTestTls, type TestTls } from '../../test/support/test-tls.js';
import { relativeName, staleAddresses, targetAddresses, TARGET_TTL, type ManagedRecord } from './fixtures.js';
import { APEX_ZONE, rfc2136Settings, type Lab } from './lab.js';

/**
 * One provider as the benchmark drives it: puts the managed names of a zone in the state a case
 * starts from, gives the provider's settings and environment for the config, and counts the
 * calls apexsync makes to it (read calls and write calls, at the wire).
 */
export type ProviderType = 'zonefile' | 'rfc2136' | 'route53' | 'cloudflare' | 'googleclouddns' | 'azuredns';
/** The providers the scale scenario runs (the two newest only take part in start-up). */
export const PROVIDER_TYPES: readonly ProviderType[] = ['zonefile', 'rfc2136', 'route53', 'cloudflare'];

export type StartState = 'stale' | 'in-sync';

export interface CallCounts {
  /** Every call, by operation (provider-specific names). */
  readonly byOperation: Readonly<Record<string, number>>;
  readonly reads: number;
  readonly writes: number;
}

export interface BenchProvider {
  readonly type: ProviderType;
  /** Puts `records` (all in `zone`) in `state`; returns the provider's settings as YAML. */
  prepare(zone: string, records: readonly ManagedRecord[], state: StartState): Promise<string>;
  /** Environment variables the config's `${VAR}`s need. */
  readonly env: Readonly<Record<string, string>>;
  counts(): CallCounts;
  resetCounts(): void;
  close(): Promise<void>;
}

export async function startProvider(type: ProviderType, lab: Lab, options: { viaRelay?: boolean } = {}): Promise<BenchProvider> {
  switch (type) {
    case 'zonefile':
      return zonefileProvider(lab);
    case 'rfc2136':
      return rfc2136Provider(lab, options.viaRelay ?? false);
    case 'route53':
      return route53Provider(await Route53Fake.start());
    case 'cloudflare':
      return cloudflareProvider(await CloudflareFake.start({ token: CLOUDFLARE_TOKEN }));
    case 'googleclouddns': {
      const tls = createTestTls();
      return googleCloudDnsProvider(await GoogleCloudDnsFake.start(tls), tls, lab);
    }
    case 'azuredns': {
      const tls = createTestTls();
      return azureDnsProvider(await AzureDnsFake.start(tls), tls);
    }
  }
}

const CLOUDFLARE_TOKEN = 'bench-cloudflare-token';

function addressesFor(record: ManagedRecord, state: StartState): { A: string; AAAA: string } {
  return state === 'stale' ? staleAddresses(record.targetIndex) : targetAddresses(record.targetIndex);
}

/** A zone file per zone, written fresh for each case; "calls" are not counted (there is no API). */
function zonefileProvider(lab: Lab): BenchProvider {
  return {
    type: 'zonefile',
    env: {},
    async prepare(zone, records, state) {
      const file = path.join(lab.dir, `${zone}.zone`);
      const lines = [
        `$ORIGIN ${zone}.`,
        `$TTL 3600`,
        `@ IN SOA ns1.${zone}. hostmaster.${zone}. 2026010100 7200 3600 1209600 300`,
        `@ IN NS ns1.${zone}.`,
        `ns1 IN A 52.0.0.53`,
        ...records.flatMap((r) => {
          const { A, AAAA } = addressesFor(r, state);
          const owner = relativeName(r.name, zone);
          return [`${owner} ${TARGET_TTL} IN A ${A}`, `${owner} ${TARGET_TTL} IN AAAA ${AAAA}`];
        }),
        '',
      ];
      await writeFile(file, lines.join('\n'));
      return `{ type: zonefile, file: "${file}" }`;
    },
    counts: () => ({ byOperation: {}, reads: 0, writes: 0 }),
    resetCounts: () => undefined,
    close: async () => undefined,
  };
}

/**
 * The lab's BIND. The names were loaded in their starting state when BIND started (lab.ts), so
 * `prepare` only checks that the case asks for that zone. Through the counting relay, TCP
 * queries and UPDATE messages are counted.
 */
function rfc2136Provider(lab: Lab, viaRelay: boolean): BenchProvider {
  const relay = lab.bind.relay;
  return {
    type: 'rfc2136',
    env: { TSIG_SECRET: lab.bind.adminKey.secret },
    async prepare(zone) {
      if (zone !== APEX_ZONE) throw new Error(`rfc2136 bench names live in ${APEX_ZONE}, not ${zone}`);
      return rfc2136Settings(lab, viaRelay ? relay.address : lab.bind.address);
    },
    counts: () => ({ byOperation: { 'QUERY (TCP)': relay.queries(), UPDATE: relay.updates() }, reads: relay.queries(), writes: relay.updates() }),
    resetCounts: () => relay.reset(),
    close: async () => undefined,
  };
}

function route53Provider(fake: Route53Fake): BenchProvider {
  const zoneIds = new Map<string, string>();
  return {
    type: 'route53',
    env: { AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'bench-secret', AWS_REGION: 'us-east-1' },
    async prepare(zone, records, state) {
      let id = zoneIds.get(zone);
      if (id === undefined) {
        id = fake.createZone(zone);
        zoneIds.set(zone, id);
      }
      for (const r of records) {
        const { A, AAAA } = addressesFor(r, state);
        fake.setRecordSet(id, { name: r.name, type: 'A', ttl: TARGET_TTL, values: [A] });
        fake.setRecordSet(id, { name: r.name, type: 'AAAA', ttl: TARGET_TTL, values: [AAAA] });
      }
      return `{ type: route53, region: us-east-1, endpoint: "${fake.endpoint}" }`;
    },
    counts() {
      const byOperation = Object.fromEntries(Object.entries(fake.calls).filter(([, n]) => n > 0));
      const writes = fake.calls.ChangeResourceRecordSets;
      const all = Object.values(fake.calls).reduce((sum, n) => sum + n, 0);
      return { byOperation, reads: all - writes, writes };
    },
    resetCounts: () => fake.resetCounters(),
    close: () => fake.close(),
  };
}

function cloudflareProvider(fake: CloudflareFake): BenchProvider {
  return {
    type: 'cloudflare',
    env: { CLOUDFLARE_API_TOKEN: CLOUDFLARE_TOKEN },
    async prepare(zone, records, state) {
      const existing = fake.zones.find((z) => z.name === zone);
      const names = new Set(records.map((r) => r.name));
      if (existing) existing.records = existing.records.filter((r) => !names.has(r.name));
      else fake.addZone(zone);
      for (const r of records) {
        const { A, AAAA } = addressesFor(r, state);
        fake.addRecord(zone, { name: r.name, type: 'A', content: A, ttl: TARGET_TTL });
        fake.addRecord(zone, { name: r.name, type: 'AAAA', content: AAAA, ttl: TARGET_TTL });
      }
      return `{ type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${fake.baseUrl}" }`;
    },
    counts() {
      // The fake counts a batch request under POST too: shown once, as a batch.
      const calls = { ...fake.counts, POST: fake.counts.POST - fake.batchCalls, batch: fake.batchCalls };
      const byOperation = Object.fromEntries(Object.entries(calls).filter(([, n]) => n > 0));
      return { byOperation, reads: fake.counts.GET, writes: fake.writes };
    },
    resetCounts: () => fake.resetCounts(),
    close: () => fake.close(),
  };
}

/** Cloud DNS over TLS: the token request reaches the fake through HTTPS_PROXY (see the fake). */
function googleCloudDnsProvider(fake: GoogleCloudDnsFake, tls: TestTls, lab: Lab): BenchProvider {
  const keyFile = path.join(lab.dir, 'gcp-bench-key.json');
  const account = fake.createServiceAccount('bench');
  return {
    type: 'googleclouddns',
    env: { NODE_EXTRA_CA_CERTS: tls.caFile, HTTPS_PROXY: fake.proxyUrl },
    async prepare(zone, records, state) {
      await writeFile(keyFile, account.keyJson);
      const id = zone.replace(/\./g, '-');
      if (!fake.zones.has(id)) fake.createZone(id, zone);
      for (const r of records) {
        const { A, AAAA } = addressesFor(r, state);
        fake.setRrset(id, { name: r.name, type: 'A', ttl: TARGET_TTL, rrdatas: [A] });
        fake.setRrset(id, { name: r.name, type: 'AAAA', ttl: TARGET_TTL, rrdatas: [AAAA] });
      }
      return `{ type: googleclouddns, project: ${fake.project}, credentialsFile: "${keyFile}", endpoint: "${fake.endpoint}" }`;
    },
    counts() {
      const byOperation = Object.fromEntries(Object.entries(fake.calls).filter(([, n]) => n > 0));
      const writes = fake.calls['changes.create'];
      const all = Object.values(fake.calls).reduce((sum, n) => sum + n, 0);
      return { byOperation, reads: all - writes, writes };
    },
    resetCounts: () => fake.resetCounters(),
    close: async () => {
      await fake.close();
      tls.remove();
    },
  };
}

const AZURE_CLIENT_ID = 'bench-client';
const AZURE_CLIENT_SECRET = 'bench-azure-secret';

function azureDnsProvider(fake: AzureDnsFake, tls: TestTls): BenchProvider {
  fake.clients.set(AZURE_CLIENT_ID, AZURE_CLIENT_SECRET);
  return {
    type: 'azuredns',
    env: { NODE_EXTRA_CA_CERTS: tls.caFile, AZURE_CLIENT_SECRET },
    async prepare(zone, records, state) {
      if (!fake.zones.has(zone)) fake.createZone(zone);
      for (const r of records) {
        const { A, AAAA } = addressesFor(r, state);
        const owner = relativeName(r.name, zone);
        fake.setRecordSet(zone, owner, 'A', { TTL: TARGET_TTL, ARecords: [{ ipv4Address: A }] });
        fake.setRecordSet(zone, owner, 'AAAA', { TTL: TARGET_TTL, AAAARecords: [{ ipv6Address: AAAA }] });
      }
      return (
        `{ type: azuredns, subscriptionId: ${fake.subscriptionId}, resourceGroup: ${fake.resourceGroup}, endpoint: "${fake.endpoint}", ` +
        `authorityHost: "${fake.endpoint}", tenantId: ${fake.tenantId}, clientId: ${AZURE_CLIENT_ID}, clientSecret: "\${AZURE_CLIENT_SECRET}" }`
      );
    },
    counts() {
      const byOperation = Object.fromEntries(Object.entries(fake.calls).filter(([, n]) => n > 0));
      const writes = fake.calls['recordSets.put'] + fake.calls['recordSets.delete'];
      const all = Object.values(fake.calls).reduce((sum, n) => sum + n, 0);
      return { byOperation, reads: all - writes, writes };
    },
    resetCounts: () => fake.resetCounters(),
    close: async () => {
      await fake.close();
      tls.remove();
    },
  };
}
