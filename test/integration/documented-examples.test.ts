import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChangeResourceRecordSetsCommand, GetHostedZoneCommand, Route53Client, type ChangeResourceRecordSetsCommandInput } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { Route53Fake } from '../support/route53-fake.js';

/**
 * The providers' own documented examples (test/support/fixtures, sources in its README) fed to
 * apexsync and to our fakes: Cloudflare's documents served verbatim to the built CLI, the Route 53
 * examples sent through the real AWS SDK to the fake and compared with what the adapter sends and
 * reads. Where a fake and the documentation disagree, this is where it shows.
 */

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/fixtures');
const fixture = <T>(file: string): T => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as T;

interface Envelope {
  success?: boolean;
  errors?: unknown[];
  messages?: unknown[];
  result: unknown;
  result_info?: Record<string, unknown>;
}
type DocumentedRecord = { id: string; name: string; type: string; content: string; ttl: number; proxied: boolean; [field: string]: unknown };

const CF = {
  zones: fixture<Envelope & { result: Array<{ id: string; name: string }> }>('cloudflare/zones-list.json'),
  records: fixture<Envelope & { result: DocumentedRecord[] }>('cloudflare/dns-records-list.json'),
  created: fixture<Envelope & { result: DocumentedRecord }>('cloudflare/dns-record-create.json'),
  deleted: fixture<Envelope>('cloudflare/dns-record-delete.json'),
  aaaa: fixture<DocumentedRecord>('cloudflare/dns-record-aaaa.json'),
  failure: fixture<Envelope>('cloudflare/failure.json'),
};
const documentedRecord = CF.records.result[0]!;
const documentedZone = CF.zones.result[0]!;

let dns: TestDnsServer;
let dir: string;
beforeAll(async () => {
  dns = await startTestDnsServer();
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-documented-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

/** One `sync --output json` of `record` with the provider block given. */
async function syncJson(
  provider: string,
  record: string,
  env: Record<string, string>,
): Promise<{ result: CliResult; doc: { records: Array<{ name: string; status: string; error: unknown }> } }> {
  const configFile = path.join(dir, 'apexsync.yaml');
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 2000, attempts: 2 }\nproviders:\n  p: ${provider}\ndefaults: { provider: p }\nrecords:\n  - ${record}\n`,
  );
  const result = await runCli(['sync', '-c', configFile, '--output', 'json'], { cwd: dir, env });
  return { result, doc: JSON.parse(result.stdout) as { records: Array<{ name: string; status: string; error: unknown }> } };
}

// ---- Cloudflare: the documents of its published OpenAPI schema, served verbatim ---------------

interface Served {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/**
 * Answers every call with the documented document for it: the zones listing, the records listing
 * (or the same envelope with no records, the shape of a page past the end), the documented
 * create and delete answers, and the documented failure (7003, no route) for the batch route,
 * which the documented schema does not have.
 */
async function documentedCloudflare(recordsInZone: readonly DocumentedRecord[]): Promise<{ url: string; served: Served[]; close: () => Promise<void> }> {
  const served: Served[] = [];
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://documented');
      const route = url.pathname.replace(/^\/client\/v4/, '');
      served.push({ method: request.method ?? '', path: route, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      const page = Number(url.searchParams.get('page') ?? '1');
      const send = (status: number, document: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(document));
      };
      const zoneRecords = `/zones/${documentedZone.id}/dns_records`;
      if (request.method === 'GET' && route === '/zones') return send(200, page === 1 ? CF.zones : { ...CF.zones, result: [] });
      if (request.method === 'GET' && route === zoneRecords) return send(200, { ...CF.records, result: page === 1 ? recordsInZone : [] });
      if (request.method === 'POST' && route === `${zoneRecords}/batch`) return send(404, CF.failure);
      if (request.method === 'POST' && route === zoneRecords) return send(200, CF.created);
      if (request.method === 'DELETE' && route.startsWith(`${zoneRecords}/`)) return send(200, CF.deleted);
      return send(404, CF.failure);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/client/v4`, served, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const cloudflareProvider = (url: string): string => `{ type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${url}" }`;
const CF_ENV = { CLOUDFLARE_API_TOKEN: 'documented-examples-token' };

describe('Cloudflare: the documented examples of its OpenAPI schema, served verbatim', () => {
  it('reads the documented A record as example.com A 3600 198.51.100.4, in sync with a target answering that: no write', async () => {
    const documented = await documentedCloudflare([documentedRecord]);
    try {
      dns.setAddresses('documented-in-sync.test', 'A', [documentedRecord.content], documentedRecord.ttl);
      dns.setAddresses('documented-in-sync.test', 'AAAA', []);
      const { result, doc } = await syncJson(
        cloudflareProvider(documented.url),
        `{ name: ${documentedRecord.name}, target: documented-in-sync.test, ttl: ${documentedRecord.ttl}, allowSpecialAddresses: true }`,
        CF_ENV,
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(doc.records).toEqual([expect.objectContaining({ name: documentedZone.name, status: 'in-sync', error: null })]);
      // The zone from the documented listing, its records from the documented listing: reads only.
      expect(documented.served.every((s) => s.method === 'GET')).toBe(true);
      expect(documented.served.map((s) => s.path)).toContain(`/zones/${documentedZone.id}/dns_records`);
    } finally {
      await documented.close();
    }
  });

  it('creates the documented record where there is none: the batch route is missing (7003), so one POST, confirmed by the documented answer', async () => {
    const documented = await documentedCloudflare([]);
    try {
      dns.setAddresses('documented-create.test', 'A', [documentedRecord.content], documentedRecord.ttl);
      dns.setAddresses('documented-create.test', 'AAAA', []);
      const { result, doc } = await syncJson(
        cloudflareProvider(documented.url),
        `{ name: ${documentedRecord.name}, target: documented-create.test, ttl: ${documentedRecord.ttl}, allowSpecialAddresses: true }`,
        CF_ENV,
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(doc.records).toEqual([expect.objectContaining({ name: documentedZone.name, status: 'updated', error: null })]);
      const writes = documented.served.filter((s) => s.method !== 'GET');
      expect(writes.map((s) => `${s.method} ${s.path}`)).toEqual([`POST /zones/${documentedZone.id}/dns_records/batch`, `POST /zones/${documentedZone.id}/dns_records`]);
      // What was asked for is the documented record (the fields a create takes).
      expect(writes[1]!.body).toMatchObject({ type: documentedRecord.type, name: documentedRecord.name, content: documentedRecord.content, ttl: documentedRecord.ttl });
    } finally {
      await documented.close();
    }
  });

  it('deletes the documented A record by its documented id; the documented delete answer (only result.id) confirms it', async () => {
    const documented = await documentedCloudflare([documentedRecord, CF.aaaa]);
    try {
      dns.setAddresses('documented-delete.test', 'A', []);
      dns.setAddresses('documented-delete.test', 'AAAA', [CF.aaaa.content], CF.aaaa.ttl);
      const { result, doc } = await syncJson(
        cloudflareProvider(documented.url),
        `{ name: ${documentedRecord.name}, target: documented-delete.test, ttl: ${CF.aaaa.ttl}, allowSpecialAddresses: true }`,
        CF_ENV,
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(doc.records).toEqual([expect.objectContaining({ name: documentedZone.name, status: 'updated', error: null })]);
      const writes = documented.served.filter((s) => s.method !== 'GET');
      expect(writes.map((s) => `${s.method} ${s.path}`)).toEqual([
        `POST /zones/${documentedZone.id}/dns_records/batch`,
        `DELETE /zones/${documentedZone.id}/dns_records/${documentedRecord.id}`,
      ]);
    } finally {
      await documented.close();
    }
  });
});

describe('the Cloudflare fake answers in the documented shape', () => {
  let fake: CloudflareFake;
  beforeAll(async () => {
    fake = await CloudflareFake.start({ token: CF_ENV.CLOUDFLARE_API_TOKEN });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('zones and records listings, and a created record, carry every field of the documented examples', async () => {
    const zone = fake.addZone(documentedZone.name);
    const headers = { authorization: `Bearer ${CF_ENV.CLOUDFLARE_API_TOKEN}`, 'content-type': 'application/json' };
    const call = async (method: string, route: string, body?: unknown): Promise<Envelope> =>
      (await (await fetch(`${fake.baseUrl}${route}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) })).json()) as Envelope;
    const created = await call('POST', `/zones/${zone.id}/dns_records`, {
      type: 'A',
      name: documentedRecord.name,
      content: documentedRecord.content,
      ttl: documentedRecord.ttl,
      proxied: false,
    });
    const records = await call('GET', `/zones/${zone.id}/dns_records`);
    const zones = await call('GET', '/zones');
    const keys = (value: unknown): string[] => Object.keys(value as object).sort();
    // Envelope fields as documented (result_info on listings).
    for (const [answer, documented] of [
      [zones, CF.zones],
      [records, CF.records],
      [created, CF.created],
    ] as const) {
      expect(keys(answer)).toEqual(expect.arrayContaining(keys(documented)));
    }
    // The fake's record has every field of the documented record; its zone the fields apexsync reads.
    expect(keys(created.result)).toEqual(expect.arrayContaining(keys(documentedRecord)));
    expect(keys((records.result as unknown[])[0])).toEqual(expect.arrayContaining(keys(documentedRecord)));
    expect(keys((zones.result as unknown[])[0])).toEqual(expect.arrayContaining(['id', 'name']));
    expect(created.result).toMatchObject({ type: 'A', name: documentedRecord.name, content: documentedRecord.content, ttl: documentedRecord.ttl, proxied: false });
  });
});

// ---- Route 53: the documented examples of the AWS API, through the real SDK ------------------

interface Route53Examples {
  ChangeResourceRecordSets: Array<{ title: string; input: ChangeResourceRecordSetsCommandInput; output: { ChangeInfo: Record<string, string> } }>;
  GetHostedZone: Array<{ input: { Id: string }; output: { HostedZone: Record<string, unknown>; DelegationSet: { NameServers: string[] } } }>;
  GetChange: Array<{ request: string; output: { ChangeInfo: { Id: string; Status: string } } }>;
}
const R53 = fixture<Route53Examples>('route53/examples.json');
const [createExample, deleteExample] = R53.ChangeResourceRecordSets;
const ROUTE53_ENV = { AWS_ACCESS_KEY_ID: 'AKIDDOCUMENTEDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'documentedExampleSecretKey0123456789abcd' };

describe('Route 53: the documented examples, through the real SDK', () => {
  let fake: Route53Fake;
  beforeAll(async () => {
    fake = await Route53Fake.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.zones.clear();
    fake.resetCounters();
  });
  const sdk = (): Route53Client =>
    new Route53Client({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: ROUTE53_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: ROUTE53_ENV.AWS_SECRET_ACCESS_KEY },
    });
  const route53Provider = (): string => `{ type: route53, endpoint: "${fake.endpoint}", waitForSync: true }`;
  const env = (): Record<string, string> => ({ ...ROUTE53_ENV, AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') });

  it('the documented create example sent to the fake is answered as documented: ChangeInfo with a /change/ id, PENDING, the comment', async () => {
    fake.createZone('example.com', { id: createExample!.input.HostedZoneId! });
    const answer = await sdk().send(new ChangeResourceRecordSetsCommand(createExample!.input));
    const documented = createExample!.output.ChangeInfo;
    expect(Object.keys(answer.ChangeInfo!).sort()).toEqual(Object.keys(documented).sort());
    expect(answer.ChangeInfo).toMatchObject({ Status: documented.Status, Comment: documented.Comment, Id: expect.stringMatching(/^\/change\/C[A-Z0-9]+$/) });
    expect(answer.ChangeInfo!.SubmittedAt).toBeInstanceOf(Date);
    expect(fake.recordSet(createExample!.input.HostedZoneId!, 'example.com', 'A')).toMatchObject({ ttl: 60, values: ['192.0.2.44'] });
  });

  it('the documented GetHostedZone example: the fake answers every documented field', async () => {
    const [example] = R53.GetHostedZone;
    fake.createZone(example!.output.HostedZone.Name as string, { id: example!.input.Id });
    const answer = await sdk().send(new GetHostedZoneCommand(example!.input));
    expect(Object.keys(answer.HostedZone!).sort()).toEqual(Object.keys(example!.output.HostedZone).sort());
    expect(answer.HostedZone).toMatchObject({ Id: example!.output.HostedZone.Id, Name: example!.output.HostedZone.Name, Config: { PrivateZone: false } });
    expect(answer.DelegationSet?.NameServers?.length).toBeGreaterThan(0);
  });

  it('apexsync asked for the documented create sends the documented change, then polls the documented GetChange', async () => {
    fake.createZone('example.com', { id: createExample!.input.HostedZoneId! });
    const documented = createExample!.output.ChangeInfo;
    fake.nextChangeInfo = { id: documented.Id!.replace(/^\/change\//, ''), submittedAt: documented.SubmittedAt! };
    dns.setAddresses('documented-r53-create.test', 'A', ['192.0.2.44'], 60);
    dns.setAddresses('documented-r53-create.test', 'AAAA', []);
    const { result, doc } = await syncJson(route53Provider(), '{ name: example.com, target: documented-r53-create.test, ttl: 60, allowSpecialAddresses: true }', env());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(doc.records).toEqual([expect.objectContaining({ name: 'example.com', status: 'updated', error: null })]);
    // The batch is the documented one (Route 53 names carry the trailing dot; the comment is ours).
    const documentedChanges = createExample!.input.ChangeBatch!.Changes!.map((c) => ({
      action: c.Action,
      name: `${c.ResourceRecordSet!.Name}.`,
      type: c.ResourceRecordSet!.Type,
      ttl: c.ResourceRecordSet!.TTL,
      values: c.ResourceRecordSet!.ResourceRecords!.map((r) => r.Value),
    }));
    expect(fake.batches.map((b) => b.changes)).toEqual([documentedChanges]);
    // waitForSync: the change id of the documented answer, polled at the documented path.
    const [getChange] = R53.GetChange;
    expect(fake.requests.filter((r) => r.operation === 'GetChange').map((r) => `GET ${r.path}`)).toEqual([getChange!.request]);
  });

  it('apexsync asked to remove the documented record sends the documented DELETE', async () => {
    const zoneId = deleteExample!.input.HostedZoneId!;
    fake.createZone('example.com', { id: zoneId });
    const deleted = deleteExample!.input.ChangeBatch!.Changes![0]!.ResourceRecordSet!;
    fake.setRecordSet(zoneId, { name: deleted.Name!, type: 'A', ttl: deleted.TTL!, values: deleted.ResourceRecords!.map((r) => r.Value!) });
    fake.setRecordSet(zoneId, { name: deleted.Name!, type: 'AAAA', ttl: deleted.TTL!, values: ['2001:db8::1'] });
    // The target has only an IPv6 address now: the A set goes, the AAAA set stays.
    dns.setAddresses('documented-r53-delete.test', 'A', []);
    dns.setAddresses('documented-r53-delete.test', 'AAAA', ['2001:db8::1'], deleted.TTL!);
    const { result, doc } = await syncJson(
      route53Provider(),
      `{ name: ${deleted.Name}, target: documented-r53-delete.test, ttl: ${deleted.TTL}, allowSpecialAddresses: true }`,
      env(),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(doc.records).toEqual([expect.objectContaining({ name: deleted.Name, status: 'updated', error: null })]);
    expect(fake.batches.map((b) => b.changes)).toEqual([
      [{ action: 'DELETE', name: `${deleted.Name}.`, type: 'A', ttl: deleted.TTL, values: deleted.ResourceRecords!.map((r) => r.Value) }],
    ]);
  });
});
