import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AzureDnsFake, type FakeRecordSetProperties } from '../support/azure-dns-fake.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { createTestTls, type TestTls } from '../support/test-tls.js';

/**
 * The built CLI end to end against the Azure DNS fake, through the real `@azure/arm-dns` and
 * `@azure/identity`: a ClientSecretCredential gets its token from the fake's Entra endpoints
 * (authorityHost, instance discovery off), and Resource Manager is served over TLS from a CA the
 * process trusts through NODE_EXTRA_CA_CERTS. The client secret reaches the process only through
 * its environment. The in-process DNS server serves the targets.
 */
const CLIENT_ID = '6f1c2b3a-apexsync-cli';
const CLIENT_SECRET = 'azSecret~PlantedInEnv.9876543210zyxwvu';
const EDGE_A = ['93.184.216.34', '93.184.216.35'];
const EDGE_AAAA = ['2606:2800:220:1:248:1893:25c8:1946'];
const ZONE = 'example.com';
const FIXTURES = path.resolve(import.meta.dirname, '../support/fixtures/azure-dns');

let tls: TestTls;
let fake: AzureDnsFake;
let dns: TestDnsServer;
let dir: string;
let configFile: string;

function writeConfig(records: string, providerExtra = ''): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  azure:
    type: azuredns
    subscriptionId: ${fake.subscriptionId}
    resourceGroup: ${fake.resourceGroup}
    endpoint: "${fake.endpoint}"
    authorityHost: "${fake.endpoint}"
    tenantId: ${fake.tenantId}
    clientId: ${CLIENT_ID}
    clientSecret: "\${AZURE_CLIENT_SECRET}"${providerExtra}
defaults: { provider: azure }
records:
${records}
`,
  );
}

const APEX = '  - { name: example.com, target: lb.target.test }';

async function sync(...args: string[]): Promise<CliResult> {
  return syncWith({ AZURE_CLIENT_SECRET: CLIENT_SECRET }, ...args);
}

async function syncWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const result = await runCli(['sync', '-c', configFile, ...args], { cwd: dir, env: { NODE_EXTRA_CA_CERTS: tls.caFile, ...env } });
  // Whatever happened, neither the client secret nor an access token is ever printed.
  for (const output of [result.stdout, result.stderr]) {
    expect(output).not.toContain(CLIENT_SECRET);
    for (const token of fake.issuedTokens) expect(output).not.toContain(token);
  }
  return result;
}

const addresses = (name: string, type: 'A' | 'AAAA') => fake.addresses(ZONE, name, type);
const writes = () => fake.calls['recordSets.put'] + fake.calls['recordSets.delete'];
const aRecords = (values: readonly string[]): FakeRecordSetProperties['ARecords'] => values.map((ipv4Address) => ({ ipv4Address }));

beforeAll(async () => {
  tls = createTestTls();
  [fake, dns] = await Promise.all([AzureDnsFake.start(tls), startTestDnsServer()]);
});
afterAll(async () => {
  await Promise.all([fake.close(), dns.close()]);
  tls.remove();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-az-cli-'));
  configFile = path.join(dir, 'apexsync.yaml');
  fake.clear();
  fake.clients.set(CLIENT_ID, CLIENT_SECRET);
  fake.createZone(ZONE);
  fake.createZone('other.test');
  fake.setRecordSet(ZONE, '@', 'MX', { TTL: 300, MXRecords: [{ preference: 10, exchange: 'mail.example.com' }] });
  fake.setRecordSet(ZONE, '@', 'TXT', { TTL: 300, TXTRecords: [{ value: ['v=spf1 -all'] }] });
  fake.resetCounters();
  for (const name of ['lb.target.test', 'edge.target.test']) {
    dns.setBehaviour(name, null);
    dns.remove(name);
  }
  dns.setCname('lb.target.test', 'edge.target.test', 600);
  dns.setAddresses('edge.target.test', 'A', EDGE_A, 120);
  dns.setAddresses('edge.target.test', 'AAAA', EDGE_AAAA, 120);
  writeConfig(APEX);
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('apexsync sync with Azure DNS', () => {
  it('first sync creates A and AAAA, each only if absent; a second sync reads once and writes nothing', async () => {
    const first = await sync();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Summary: 1 updated, 0 in sync, 0 failed');
    expect(addresses('@', 'A')).toEqual(EDGE_A);
    expect(addresses('@', 'AAAA')).toEqual(EDGE_AAAA);
    expect(fake.recordSet(ZONE, '@', 'A')?.properties.TTL).toBe(120);
    expect(fake.writes.map((w) => [w.method, w.type, w.ifNoneMatch, w.ifMatch, w.status])).toEqual([
      ['PUT', 'A', '*', undefined, 201],
      ['PUT', 'AAAA', '*', undefined, 201],
    ]);
    // discovery + token, the zone listing, one listing of the record sets, two writes
    expect(fake.calls).toEqual({
      'openid-configuration': 1,
      token: 1,
      'zones.list': 1,
      'zones.get': 0,
      'recordSets.list': 1,
      'recordSets.get': 0,
      'recordSets.put': 2,
      'recordSets.delete': 0,
    });
    expect(fake.types(ZONE)).toEqual(['@ A', '@ AAAA', '@ MX', '@ NS', '@ SOA', '@ TXT']);

    fake.resetCounters();
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    // The floor: the zone lookup, one listing of the zone, no write.
    expect(fake.calls).toEqual({
      'openid-configuration': 1,
      token: 1,
      'zones.list': 1,
      'zones.get': 0,
      'recordSets.list': 1,
      'recordSets.get': 0,
      'recordSets.put': 0,
      'recordSets.delete': 0,
    });
  });

  it('a target change is a PUT against the ETag as read, keeping the metadata; AAAA removal deletes only AAAA; --dry-run writes nothing', async () => {
    const etag = fake.setRecordSet(ZONE, '@', 'A', { TTL: 120, metadata: { owner: 'web-team' }, ARecords: aRecords(EDGE_A) });
    const aaaaEtag = fake.setRecordSet(ZONE, '@', 'AAAA', { TTL: 120, AAAARecords: EDGE_AAAA.map((ipv6Address) => ({ ipv6Address })) });
    dns.setAddresses('edge.target.test', 'A', ['93.184.216.99'], 120);
    const dry = await sync('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('93.184.216.34, 93.184.216.35 → 93.184.216.99');
    expect(dry.stdout).not.toContain('hint:');
    expect(writes()).toBe(0);

    const changed = await sync();
    expect(changed.code).toBe(0);
    expect(fake.writes).toEqual([
      {
        method: 'PUT',
        type: 'A',
        name: '@',
        ifMatch: etag,
        body: { properties: { TTL: 120, metadata: { owner: 'web-team' }, ARecords: [{ ipv4Address: '93.184.216.99' }] } },
        status: 200,
      },
    ]);
    expect(addresses('@', 'A')).toEqual(['93.184.216.99']);

    dns.setAddresses('edge.target.test', 'AAAA', []);
    fake.resetCounters();
    const removed = await sync();
    expect(removed.code).toBe(0);
    expect(fake.writes).toEqual([{ method: 'DELETE', type: 'AAAA', name: '@', ifMatch: aaaaEtag, status: 200 }]);
    expect(addresses('@', 'AAAA')).toBeUndefined();
    expect(addresses('@', 'A')).toEqual(['93.184.216.99']);
  });

  it('writes the family that gains addresses before the one that loses them, and says which landed when the second fails', async () => {
    fake.setRecordSet(ZONE, '@', 'AAAA', { TTL: 120, AAAARecords: EDGE_AAAA.map((ipv6Address) => ({ ipv6Address })) });
    dns.setAddresses('edge.target.test', 'AAAA', []);
    // AAAA goes, A comes: A first. The AAAA delete is then refused.
    fake.inject({
      operation: 'recordSets.delete',
      status: 403,
      code: 'AuthorizationFailed',
      message: "The client does not have authorization to perform action 'Microsoft.Network/dnsZones/AAAA/delete'.",
    });
    const result = await sync('--output', 'json');
    expect(result.code).toBe(1);
    expect(fake.writes.map((w) => `${w.method} ${w.type} ${w.status}`)).toEqual(['PUT A 201']);
    expect(fake.calls['recordSets.delete']).toBe(1);
    expect(addresses('@', 'A')).toEqual(EDGE_A);
    expect(addresses('@', 'AAAA')).toEqual(EDGE_AAAA);
    const report = JSON.parse(result.stdout) as { records: Array<{ status: string; error?: { kind: string; message: string } }> };
    expect(report.records[0]?.error?.kind).toBe('auth');
    expect(report.records[0]?.error?.message).toContain('A written; AAAA not written');
    expect(report.records[0]?.error?.message).toContain('Microsoft.Network/dnsZones/AAAA/delete');
  });

  it('an Azure resource as target gets the native-alias hint', async () => {
    dns.setAddresses('my-app.trafficmanager.net', 'A', EDGE_A, 60);
    writeConfig('  - { name: example.com, target: my-app.trafficmanager.net, families: [A] }');
    const result = await sync('--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/hint: .*Traffic Manager profile.*Azure DNS alias record set/);
    dns.remove('my-app.trafficmanager.net');
  });

  it('without a secret in the config, DefaultAzureCredential finds the service principal in the environment', async () => {
    writeFileSync(
      configFile,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }\nproviders:\n  azure: { type: azuredns, subscriptionId: ${fake.subscriptionId}, resourceGroup: ${fake.resourceGroup}, zone: ${ZONE}, endpoint: "${fake.endpoint}", authorityHost: "${fake.endpoint}" }\nrecords:\n${APEX}\n`,
    );
    const result = await syncWith({ AZURE_TENANT_ID: fake.tenantId, AZURE_CLIENT_ID: CLIENT_ID, AZURE_CLIENT_SECRET: CLIENT_SECRET });
    expect(result.code).toBe(0);
    expect(addresses('@', 'A')).toEqual(EDGE_A);
    expect(fake.calls.token).toBe(1);
    // With `zone` set, the zone is fetched, not listed.
    expect(fake.calls['zones.get']).toBe(1);
    expect(fake.calls['zones.list']).toBe(0);
  });

  it('a target that fails to resolve leaves the records as they were: exit 1, no write', async () => {
    fake.setRecordSet(ZONE, '@', 'A', { TTL: 120, ARecords: aRecords(EDGE_A) });
    dns.setBehaviour('lb.target.test', 'servfail');
    const result = await sync();
    expect(result.code).toBe(1);
    expect(writes()).toBe(0);
    expect(addresses('@', 'A')).toEqual(EDGE_A);
  });

  it('an edit by someone else between the read and the write is refused (412, or 409 for a CNAME): nothing applied, exit 1', async () => {
    fake.setRecordSet(ZONE, '@', 'A', { TTL: 120, ARecords: aRecords(['198.51.100.1']) });
    writeConfig('  - { name: example.com, target: lb.target.test, families: [A] }');
    fake.beforeNextWrite = () => fake.setRecordSet(ZONE, '@', 'A', { TTL: 120, ARecords: aRecords(['198.51.100.7']) });
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('A changed by someone else since it was read; nothing applied');
    expect(result.stdout).toContain('PreconditionFailed');
    expect(fake.writes.map((w) => `${w.method} ${w.type} ${w.status}`)).toEqual(['PUT A 412']);
    expect(addresses('@', 'A')).toEqual(['198.51.100.7']);
    // One read-back tells a refusal apart from a replay of a write that landed.
    expect(fake.calls['recordSets.get']).toBe(1);

    // A record set created meanwhile is not overwritten either (If-None-Match: *).
    fake.deleteRecordSet(ZONE, '@', 'A');
    fake.resetCounters();
    fake.beforeNextWrite = () => fake.setRecordSet(ZONE, '@', 'A', { TTL: 60, ARecords: aRecords(['198.51.100.8']) });
    const created = await sync();
    expect(created.code).toBe(1);
    expect(fake.writes.map((w) => `${w.method} ${w.type} ${w.ifNoneMatch ?? ''} ${w.status}`)).toEqual(['PUT A * 412']);
    expect(addresses('@', 'A')).toEqual(['198.51.100.8']);

    // A CNAME that appeared meanwhile: Azure refuses the A beside it (409), nothing written.
    fake.deleteRecordSet(ZONE, '@', 'A');
    writeConfig('  - { name: www.example.com, target: lb.target.test, families: [A] }');
    fake.resetCounters();
    fake.beforeNextWrite = () => fake.setRecordSet(ZONE, 'www', 'CNAME', { TTL: 300, CNAMERecord: { cname: 'elsewhere.example.net' } });
    const cname = await sync();
    expect(cname.code).toBe(1);
    expect(cname.stdout).toContain('A changed by someone else since it was read; nothing applied (Azure DNS: Conflict 409');
    expect(fake.writes.map((w) => `${w.method} ${w.type} ${w.status}`)).toEqual(['PUT A 409']);
    expect(addresses('www', 'A')).toBeUndefined();
  });

  it('an alias record set or a CNAME at the name is a conflict: reported, exit 1, nothing written', async () => {
    const alias = JSON.parse(readFileSync(path.join(FIXTURES, 'CreateOrUpdateARecordsetAlias.json'), 'utf8')) as {
      responses: { 200: { body: { properties: FakeRecordSetProperties } } };
    };
    const { fqdn: _fqdn, ProvisioningState: _state, ...aliasProperties } = alias.responses[200].body.properties;
    fake.setRecordSet(ZONE, '@', 'A', aliasProperties);
    fake.setRecordSet(ZONE, 'www', 'CNAME', { TTL: 300, CNAMERecord: { cname: 'contoso.com' } });
    writeConfig(`${APEX}\n  - { name: www.example.com, target: lb.target.test }`);
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('this name is an Azure DNS alias record set; apexsync manages plain A/AAAA records');
    expect(result.stdout).toContain('trafficManagerProfiles/testpp2');
    expect(result.stdout).toContain('a CNAME (to contoso.com) is at this name');
    expect(result.stdout).toContain('Summary: 0 updated, 0 in sync, 2 failed');
    expect(writes()).toBe(0);
    expect(fake.recordSet(ZONE, '@', 'A')?.properties.targetResource).toBeDefined();
  });

  it('a wrong client secret fails with a clear message; a missing role assignment names the action', async () => {
    fake.clients.set(CLIENT_ID, 'the-real-secret-is-another-one');
    const refused = await sync();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Microsoft Entra ID refused the credentials (check tenantId, clientId, clientSecret): AADSTS7000215: Invalid client secret provided.');
    expect(fake.calls['zones.list']).toBe(0);

    fake.clients.set(CLIENT_ID, CLIENT_SECRET);
    fake.resetCounters();
    fake.inject({
      operation: 'recordSets.put',
      status: 403,
      code: 'AuthorizationFailed',
      message: "The client 'x' does not have authorization to perform action 'Microsoft.Network/dnsZones/A/write'.",
      times: 2,
    });
    const forbidden = await sync();
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toContain('the Azure identity may not call recordSets.createOrUpdate: it needs Microsoft.Network/dnsZones/A/write');
    expect(addresses('@', 'A')).toBeUndefined();
  });

  it('survives throttling on the read and on the write, honouring Retry-After', async () => {
    fake.inject({ operation: 'recordSets.list', status: 429, code: 'TooManyRequests', retryAfter: 1, times: 2 });
    fake.inject({ operation: 'recordSets.put', status: 429, code: 'TooManyRequests', retryAfter: 1, times: 1 });
    const result = await sync('--log-level', 'debug');
    expect(result.code).toBe(0);
    expect(addresses('@', 'A')).toEqual(EDGE_A);
    expect(addresses('@', 'AAAA')).toEqual(EDGE_AAAA);
    expect(fake.calls['recordSets.list']).toBe(3);
    expect(fake.calls['recordSets.put']).toBe(3);
    expect(result.stderr.match(/Azure DNS call failed; retrying/g)).toHaveLength(3);
  });

  it('a 5xx on a write is "could not confirm" and never repeated; a 5xx on a read is retried', async () => {
    fake.inject({ operation: 'recordSets.list', status: 503, code: 'ServiceUnavailable', times: 1 });
    fake.inject({ operation: 'recordSets.put', status: 500, code: 'InternalServerError', times: 1 });
    writeConfig('  - { name: example.com, target: lb.target.test, families: [A] }');
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('could not confirm');
    expect(result.stdout).toContain('Azure DNS recordSets.createOrUpdate failed (InternalServerError 500)');
    expect(fake.calls['recordSets.list']).toBe(2);
    expect(fake.calls['recordSets.put']).toBe(1);

    fake.resetCounters();
    const next = await sync();
    expect(next.code).toBe(0);
    expect(addresses('@', 'A')).toEqual(EDGE_A);
  });

  it('reads 21 names in a zone of 250 record sets by following nextLink: 3 pages, then one PUT per new record set', async () => {
    const hosts = Array.from({ length: 248 }, (_, i) => `host${String(i).padStart(3, '0')}`);
    for (const host of hosts) fake.setRecordSet('other.test', host, 'TXT', { TTL: 300, TXTRecords: [{ value: ['filler'] }] });
    const managed = hosts.filter((_, i) => i % 12 === 0).map((host) => `${host}.other.test`);
    expect(managed).toHaveLength(21);
    writeConfig(managed.map((name) => `  - { name: ${name}, target: lb.target.test, families: [A] }`).join('\n'));
    fake.resetCounters();
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Summary: 21 updated, 0 in sync, 0 failed');
    // 248 TXT + SOA + NS = 250 record sets, 100 per page.
    expect(fake.calls['recordSets.list']).toBe(3);
    expect(fake.calls['recordSets.put']).toBe(21);
    for (const name of managed) expect(fake.addresses('other.test', name.replace('.other.test', ''), 'A')).toEqual(EDGE_A);
  });

  it('reads the documented listings and writes the documented request', async () => {
    const example = (file: string): { parameters: Record<string, unknown>; responses: Record<string, { body?: Record<string, unknown> }> } =>
      JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as { parameters: Record<string, unknown>; responses: Record<string, { body?: Record<string, unknown> }> };
    fake.createZone('zone1');
    for (const file of ['ListARecordset.json', 'ListAAAARecordset.json']) {
      const listed = (example(file).responses['200']?.body?.value as Array<{ name: string; etag: string; type: string; properties: FakeRecordSetProperties }> | undefined)?.[0];
      if (listed === undefined) throw new Error(`${file} lists nothing`);
      const { fqdn: _fqdn, ...properties } = listed.properties;
      fake.setRecordSet('zone1', listed.name, listed.type.split('/').pop() ?? '', properties, listed.etag);
    }
    dns.setAddresses('edge.target.test', 'A', ['127.0.0.1'], 3600);
    dns.setAddresses('edge.target.test', 'AAAA', ['::1'], 3600);
    writeConfig('  - { name: record1.zone1, target: lb.target.test, ttl: 3600, allowSpecialAddresses: true }');
    const inSync = await sync();
    expect(inSync.stdout).toContain('Summary: 0 updated, 1 in sync, 0 failed');
    expect(writes()).toBe(0);

    // The listed A, holding another address: the update is the documented CreateOrUpdate request, If-Match the listed ETag.
    fake.setRecordSet('zone1', 'record1', 'A', { metadata: { key1: 'value1' }, TTL: 3600, ARecords: aRecords(['127.0.0.2']) }, '00000000-0000-0000-0000-000000000000');
    const update = await sync();
    expect(update.code).toBe(0);
    const documented = example('CreateOrUpdateARecordset.json');
    expect(fake.writes).toEqual([
      { method: 'PUT', type: 'A', name: 'record1', ifMatch: '00000000-0000-0000-0000-000000000000', body: documented.parameters.parameters, status: 200 },
    ]);
    // The fake answers with the documented response's fields.
    const stored = fake.recordSet('zone1', 'record1', 'A');
    expect(stored?.properties).toEqual((documented.parameters.parameters as { properties: FakeRecordSetProperties }).properties);
    const documentedZones = example('ListZonesByResourceGroup.json').responses['200']?.body?.value as Array<Record<string, unknown>>;
    expect(
      Object.keys(documentedZones[0] ?? {})
        .filter((field) => field !== 'tags')
        .sort(),
    ).toEqual(['etag', 'id', 'location', 'name', 'properties', 'type']);
  });
});
