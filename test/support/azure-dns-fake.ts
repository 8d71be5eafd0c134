/**
 * A wire-level Azure DNS for tests: an https server on 127.0.0.1 speaking Azure Resource
 * Manager's Microsoft.Network/dnsZones API (api-version 2018-05-01) and the Microsoft Entra ID
 * endpoints a client-secret credential uses (OpenID configuration and the v2.0 token endpoint),
 * so the real `@azure/arm-dns` and `@azure/identity` run unmodified against it. Modelled on the
 * API reference's examples (fixtures in test/support/fixtures/azure-dns):
 * - zones listed per resource group and record sets per zone, `$top` pages with a `nextLink`
 *   carrying a `$skipToken`; every request needs the api-version;
 * - record sets carry an ETag that changes on every write; PUT honours If-Match (412 when the
 *   ETag differs or the set is gone) and If-None-Match: * (412 when the set exists); DELETE
 *   honours If-Match; A/AAAA beside a CNAME is a 409;
 * - errors in Resource Manager's envelope `{"error": {"code", "message"}}`; 429 with Retry-After.
 * Faults can be injected per operation, a hook can edit the zone between a read and a write, and
 * every call is counted.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';

export const API_VERSION = '2018-05-01';

export type AzureOperation = 'openid-configuration' | 'token' | 'zones.list' | 'zones.get' | 'recordSets.list' | 'recordSets.get' | 'recordSets.put' | 'recordSets.delete';
const OPERATIONS: readonly AzureOperation[] = [
  'openid-configuration',
  'token',
  'zones.list',
  'zones.get',
  'recordSets.list',
  'recordSets.get',
  'recordSets.put',
  'recordSets.delete',
];

/** A record set's `properties` as Resource Manager spells them (TTL, ARecords, AAAARecords, CNAMERecord, targetResource…). */
export interface FakeRecordSetProperties {
  readonly TTL?: number;
  readonly metadata?: Record<string, string>;
  readonly ARecords?: ReadonlyArray<{ ipv4Address: string }>;
  readonly AAAARecords?: ReadonlyArray<{ ipv6Address: string }>;
  readonly CNAMERecord?: { cname: string };
  readonly MXRecords?: ReadonlyArray<{ preference: number; exchange: string }>;
  readonly TXTRecords?: ReadonlyArray<{ value: string[] }>;
  readonly targetResource?: { id: string };
  readonly [field: string]: unknown;
}

export interface FakeRecordSet {
  readonly name: string;
  readonly type: string;
  readonly etag: string;
  readonly properties: FakeRecordSetProperties;
}

export interface FakeZone {
  readonly name: string;
  readonly recordSets: Map<string, FakeRecordSet>;
}

export interface LoggedWrite {
  readonly method: 'PUT' | 'DELETE';
  readonly type: string;
  readonly name: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly body?: { properties?: FakeRecordSetProperties };
  readonly status: number;
}

export interface FakeFault {
  readonly operation: AzureOperation;
  readonly status: number;
  readonly code: string;
  readonly message?: string;
  /** Seconds, sent as Retry-After. */
  readonly retryAfter?: number;
  readonly times?: number;
}

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const DEFAULT_PAGE_SIZE = 100;

export class AzureDnsFake {
  readonly zones = new Map<string, FakeZone>();
  readonly writes: LoggedWrite[] = [];
  calls: Record<AzureOperation, number> = emptyCounts();
  /** Runs once, just before the next PUT or DELETE is checked (a concurrent edit). */
  beforeNextWrite: (() => void) | undefined;
  readonly issuedTokens = new Set<string>();
  /** Service principals the token endpoint accepts: clientId → secret. */
  readonly clients = new Map<string, string>();
  #faults: Array<FakeFault & { remaining: number }> = [];

  private constructor(
    private readonly server: https.Server,
    readonly subscriptionId: string,
    readonly resourceGroup: string,
    readonly tenantId: string,
  ) {}

  static async start(tls: { key: string; cert: string }, options: { subscriptionId?: string; resourceGroup?: string; tenantId?: string } = {}): Promise<AzureDnsFake> {
    const server = https.createServer({ key: tls.key, cert: tls.cert });
    const fake = new AzureDnsFake(
      server,
      options.subscriptionId ?? '00000000-0000-0000-0000-00000000beef',
      options.resourceGroup ?? 'dns-rg',
      options.tenantId ?? '11111111-2222-3333-4444-555555555555',
    );
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void fake.#handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return fake;
  }

  /** https://127.0.0.1:PORT: both the Resource Manager endpoint and the authority host. */
  get endpoint(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  createZone(name: string): FakeZone {
    const zone: FakeZone = { name, recordSets: new Map() };
    zone.recordSets.set(key('@', 'SOA'), {
      name: '@',
      type: 'SOA',
      etag: randomUUID(),
      properties: {
        TTL: 3600,
        SOARecord: {
          host: 'ns1-01.azure-dns.com.',
          email: 'azuredns-hostmaster.microsoft.com',
          serialNumber: 1,
          refreshTime: 3600,
          retryTime: 300,
          expireTime: 2419200,
          minimumTTL: 300,
        },
      },
    });
    zone.recordSets.set(key('@', 'NS'), {
      name: '@',
      type: 'NS',
      etag: randomUUID(),
      properties: { TTL: 172800, NSRecords: [{ nsdname: 'ns1-01.azure-dns.com.' }, { nsdname: 'ns2-01.azure-dns.net.' }] },
    });
    this.zones.set(name, zone);
    return zone;
  }

  /** Sets a record set (relative name, '@' for the apex) with a fresh ETag; returns the ETag. */
  setRecordSet(zoneName: string, name: string, type: string, properties: FakeRecordSetProperties, etag: string = randomUUID()): string {
    this.#zone(zoneName).recordSets.set(key(name, type), { name: name.toLowerCase(), type, etag, properties });
    return etag;
  }

  deleteRecordSet(zoneName: string, name: string, type: string): void {
    this.#zone(zoneName).recordSets.delete(key(name, type));
  }

  recordSet(zoneName: string, name: string, type: string): FakeRecordSet | undefined {
    return this.#zone(zoneName).recordSets.get(key(name, type));
  }

  /** The addresses of an A or AAAA record set, or undefined when there is none. */
  addresses(zoneName: string, name: string, type: 'A' | 'AAAA'): string[] | undefined {
    const set = this.recordSet(zoneName, name, type);
    if (set === undefined) return undefined;
    return type === 'A' ? (set.properties.ARecords ?? []).map((r) => r.ipv4Address) : (set.properties.AAAARecords ?? []).map((r) => r.ipv6Address);
  }

  types(zoneName: string): string[] {
    return [...this.#zone(zoneName).recordSets.values()].map((set) => `${set.name} ${set.type}`).sort();
  }

  inject(fault: FakeFault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  resetCounters(): void {
    this.calls = emptyCounts();
    this.writes.length = 0;
  }

  clear(): void {
    this.zones.clear();
    this.#faults = [];
    this.beforeNextWrite = undefined;
    this.resetCounters();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #zone(name: string): FakeZone {
    const zone = this.zones.get(name);
    if (zone === undefined) throw new Error(`no fake zone ${name}`);
    return zone;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.endpoint);
    try {
      const entra = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(url.pathname);
      if (entra !== null) {
        this.#entra(entra[1] ?? '', entra[2] ?? '', req.method ?? 'GET', body, res);
        return;
      }
      const route = this.#route(req.method ?? 'GET', url.pathname);
      this.calls[route.operation] += 1;
      this.#authorize(req.headers.authorization);
      const apiVersion = url.searchParams.get('api-version');
      if (apiVersion === null) throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      if (apiVersion !== API_VERSION)
        throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${API_VERSION}'.`);
      this.#fault(route.operation);
      this.#dispatch(route, url, req, body, res);
    } catch (error) {
      if (error instanceof ArmError) {
        const headers: Record<string, string> = error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : {};
        sendJson(res, error.status, { error: { code: error.code, message: error.message } }, headers);
      } else {
        sendJson(res, 500, { error: { code: 'InternalServerError', message: String(error) } });
      }
    }
  }

  #fault(operation: AzureOperation): void {
    const fault = this.#faults.find((candidate) => candidate.operation === operation && candidate.remaining > 0);
    if (fault === undefined) return;
    fault.remaining -= 1;
    throw new ArmError(fault.status, fault.code, fault.message ?? fault.code, fault.retryAfter);
  }

  /** Microsoft Entra ID: discovery document and client-credentials token endpoint. */
  #entra(tenant: string, what: string, method: string, body: string, res: ServerResponse): void {
    const base = `${this.endpoint}/${tenant}`;
    if (what.startsWith('v2.0')) {
      this.calls['openid-configuration'] += 1;
      sendJson(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${this.endpoint}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      });
      return;
    }
    this.calls.token += 1;
    const form = new URLSearchParams(body);
    const fail = (status: number, error: string, code: number, description: string): void => {
      sendJson(res, status, {
        error,
        error_description: `AADSTS${code}: ${description}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    };
    if (method !== 'POST' || form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (tenant !== this.tenantId) return fail(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    const clientId = form.get('client_id') ?? '';
    const expected = this.clients.get(clientId);
    if (expected === undefined) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`);
    if (form.get('client_secret') !== expected)
      return fail(
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
    const token = `eyJ0eXAiOiJKV1QifQ.fake-${randomUUID()}.sig`;
    this.issuedTokens.add(token);
    sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }

  #authorize(header: string | undefined): void {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (token === undefined) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    if (!this.issuedTokens.has(token)) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  }

  #route(method: string, pathname: string): Route {
    const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnsZones(?:\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?)?$/i.exec(pathname);
    if (match === null) throw new ArmError(404, 'InvalidResourceType', `The resource type could not be found for ${pathname}.`);
    const [, subscription = '', group = '', zone, typeOrCollection, name] = match;
    if (subscription !== this.subscriptionId) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`);
    if (group.toLowerCase() !== this.resourceGroup.toLowerCase()) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
    if (zone === undefined) return { operation: 'zones.list' };
    if (typeOrCollection === undefined) return { operation: 'zones.get', zone: decodeURIComponent(zone) };
    if (typeOrCollection === 'recordsets' && name === undefined) return { operation: 'recordSets.list', zone: decodeURIComponent(zone) };
    if (name === undefined) throw new ArmError(404, 'NotFound', 'not found');
    const operation: AzureOperation = method === 'PUT' ? 'recordSets.put' : method === 'DELETE' ? 'recordSets.delete' : 'recordSets.get';
    return { operation, zone: decodeURIComponent(zone), type: typeOrCollection.toUpperCase(), name: decodeURIComponent(name).toLowerCase() };
  }

  #zoneOf(route: Route): FakeZone {
    const zone = this.zones.get((route.zone ?? '').toLowerCase());
    if (zone === undefined)
      throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Network/dnsZones/${route.zone ?? ''}' under resource group '${this.resourceGroup}' was not found.`);
    return zone;
  }

  #dispatch(route: Route, url: URL, req: IncomingMessage, body: string, res: ServerResponse): void {
    switch (route.operation) {
      case 'zones.list': {
        const page = this.#page([...this.zones.values()], url);
        sendJson(res, 200, { value: page.items.map((zone) => this.#zoneResource(zone)), ...(page.next !== undefined ? { nextLink: page.next } : {}) });
        return;
      }
      case 'zones.get':
        sendJson(res, 200, this.#zoneResource(this.#zoneOf(route)));
        return;
      case 'recordSets.list': {
        const zone = this.#zoneOf(route);
        const sets = [...zone.recordSets.values()].sort((a, b) => (a.name === b.name ? a.type.localeCompare(b.type) : a.name.localeCompare(b.name)));
        const page = this.#page(sets, url);
        sendJson(res, 200, { value: page.items.map((set) => this.#recordSetResource(zone, set)), ...(page.next !== undefined ? { nextLink: page.next } : {}) });
        return;
      }
      case 'recordSets.get': {
        const zone = this.#zoneOf(route);
        const set = zone.recordSets.get(key(route.name ?? '', route.type ?? ''));
        if (set === undefined)
          throw new ArmError(
            404,
            'NotFound',
            `The resource record '${route.name ?? ''}' does not exist in resource group '${this.resourceGroup}' of subscription '${this.subscriptionId}'.`,
          );
        sendJson(res, 200, this.#recordSetResource(zone, set));
        return;
      }
      case 'recordSets.put':
      case 'recordSets.delete': {
        const zone = this.#zoneOf(route);
        const hook = this.beforeNextWrite;
        this.beforeNextWrite = undefined;
        hook?.();
        const ifMatch = header(req, 'if-match');
        const ifNoneMatch = header(req, 'if-none-match');
        const parsed = body === '' ? undefined : (JSON.parse(body) as { properties?: FakeRecordSetProperties });
        const log = (status: number): void => {
          this.writes.push({
            method: route.operation === 'recordSets.put' ? 'PUT' : 'DELETE',
            type: route.type ?? '',
            name: route.name ?? '',
            ...(ifMatch !== undefined ? { ifMatch } : {}),
            ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
            ...(parsed !== undefined ? { body: parsed } : {}),
            status,
          });
        };
        try {
          const status = route.operation === 'recordSets.put' ? this.#put(zone, route, ifMatch, ifNoneMatch, parsed, res) : this.#delete(zone, route, ifMatch, res);
          log(status);
        } catch (error) {
          log(error instanceof ArmError ? error.status : 500);
          throw error;
        }
        return;
      }
      default:
        throw new ArmError(404, 'NotFound', 'not found');
    }
  }

  #put(
    zone: FakeZone,
    route: Route,
    ifMatch: string | undefined,
    ifNoneMatch: string | undefined,
    body: { properties?: FakeRecordSetProperties } | undefined,
    res: ServerResponse,
  ): number {
    const name = route.name ?? '';
    const type = route.type ?? '';
    const current = zone.recordSets.get(key(name, type));
    if (ifMatch !== undefined && (current === undefined || (ifMatch !== '*' && ifMatch !== current.etag))) {
      throw new ArmError(412, 'PreconditionFailed', `The Record set ${name} has been modified (etag mismatch).`);
    }
    if (ifNoneMatch === '*' && current !== undefined) throw new ArmError(412, 'PreconditionFailed', `The Record set ${name} exists already and hence cannot be created again.`);
    const properties = body?.properties;
    if (properties === undefined) throw new ArmError(400, 'BadRequest', 'The request body must contain properties.');
    if (!Number.isInteger(properties.TTL) || (properties.TTL ?? 0) < 1) throw new ArmError(400, 'BadRequest', 'The value of TTL is invalid.');
    if (type === 'A' && !(properties.ARecords ?? []).every((record) => net.isIPv4(record.ipv4Address))) throw new ArmError(400, 'BadRequest', 'The IPv4 address is invalid.');
    if (type === 'AAAA' && !(properties.AAAARecords ?? []).every((record) => net.isIPv6(record.ipv6Address))) throw new ArmError(400, 'BadRequest', 'The IPv6 address is invalid.');
    if ((type === 'A' || type === 'AAAA') && zone.recordSets.has(key(name, 'CNAME'))) {
      throw new ArmError(409, 'Conflict', `The record set ${name} of type ${type} conflicts with the CNAME record set of the same name.`);
    }
    const stored: FakeRecordSet = { name, type, etag: randomUUID(), properties: { ...properties } };
    zone.recordSets.set(key(name, type), stored);
    const status = current === undefined ? 201 : 200;
    sendJson(res, status, this.#recordSetResource(zone, stored), { etag: stored.etag });
    return status;
  }

  #delete(zone: FakeZone, route: Route, ifMatch: string | undefined, res: ServerResponse): number {
    const name = route.name ?? '';
    const type = route.type ?? '';
    const current = zone.recordSets.get(key(name, type));
    if (ifMatch !== undefined && (current === undefined || (ifMatch !== '*' && ifMatch !== current.etag))) {
      throw new ArmError(412, 'PreconditionFailed', `The Record set ${name} has been modified (etag mismatch).`);
    }
    zone.recordSets.delete(key(name, type));
    const status = current === undefined ? 204 : 200;
    res.writeHead(status).end();
    return status;
  }

  #page<T>(items: readonly T[], url: URL): { items: T[]; next?: string } {
    const size = Math.max(1, Math.min(Number(url.searchParams.get('$top') ?? DEFAULT_PAGE_SIZE) || DEFAULT_PAGE_SIZE, 1000));
    const skip = url.searchParams.get('$skipToken');
    const start = skip === null ? 0 : Number(Buffer.from(skip, 'base64url').toString('utf8'));
    const end = start + size;
    if (end >= items.length) return { items: items.slice(start) };
    const next = new URL(url.pathname, this.endpoint);
    next.searchParams.set('api-version', API_VERSION);
    next.searchParams.set('$top', String(size));
    next.searchParams.set('$skipToken', Buffer.from(String(end)).toString('base64url'));
    return { items: items.slice(start, end), next: next.toString() };
  }

  #zoneResource(zone: FakeZone): object {
    return {
      id: `/subscriptions/${this.subscriptionId}/resourceGroups/${this.resourceGroup}/providers/Microsoft.Network/dnsZones/${zone.name}`,
      etag: '00000000-0000-0000-0000-000000000000',
      location: 'global',
      name: zone.name,
      type: 'Microsoft.Network/dnsZones',
      properties: { maxNumberOfRecordSets: 10000, numberOfRecordSets: zone.recordSets.size, nameServers: ['ns1-01.azure-dns.com.', 'ns2-01.azure-dns.net.'], zoneType: 'Public' },
    };
  }

  #recordSetResource(zone: FakeZone, set: FakeRecordSet): object {
    return {
      id: `/subscriptions/${this.subscriptionId}/resourceGroups/${this.resourceGroup}/providers/Microsoft.Network/dnsZones/${zone.name}/${set.type}/${set.name}`,
      etag: set.etag,
      name: set.name,
      type: `Microsoft.Network/dnsZones/${set.type}`,
      properties: { ...set.properties, fqdn: set.name === '@' ? `${zone.name}.` : `${set.name}.${zone.name}.`, provisioningState: 'Succeeded' },
    };
  }
}

interface Route {
  readonly operation: AzureOperation;
  readonly zone?: string;
  readonly type?: string;
  readonly name?: string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function key(name: string, type: string): string {
  return `${name.toLowerCase()}|${type.toUpperCase()}`;
}

function emptyCounts(): Record<AzureOperation, number> {
  return Object.fromEntries(OPERATIONS.map((operation) => [operation, 0])) as Record<AzureOperation, number>;
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-ms-request-id': randomUUID(), ...headers }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
