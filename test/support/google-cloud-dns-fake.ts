/**
 * A wire-level Google Cloud DNS for tests: an https server on 127.0.0.1 speaking the Cloud DNS
 * REST API v1 (dns.googleapis.com/dns/v1) and Google's OAuth 2.0 token endpoint, so the real
 * `@google-cloud/dns` client and google-auth-library run unmodified against it. Modelled on the
 * API reference (fixtures in test/support/fixtures/google-cloud-dns):
 * - managedZones.list / managedZones.get, resourceRecordSets.list (`rrsets`, filtered by `name`
 *   and `type`, paged with `maxResults` / `pageToken` / `nextPageToken`), changes.create (answers
 *   `pending`) and changes.get (`pending` for `pendingPolls` more reads, then `done`);
 * - a change is validated as a whole and applied all or nothing: a deletion must match the
 *   current record set exactly (missing → 404 notFound, different → 412 conditionNotMet), an
 *   addition must not exist after the deletions (409 alreadyExists), values must parse;
 * - errors in the JSON error envelope `{"error": {"code", "message", "errors": [{"domain",
 *   "reason", "message"}]}}`;
 * - the token endpoint verifies the JWT-bearer assertion's RS256 signature against the public
 *   key of the service account the test registered, and every API call needs a token it issued.
 * google-auth-library posts service-account assertions to https://oauth2.googleapis.com/token
 * whatever the key's `token_uri` says, so the fake also runs an HTTP CONNECT proxy: the CLI under
 * test gets HTTPS_PROXY pointing at it, and every tunnel ends in this same https server.
 * Faults can be injected per method, a hook can edit the zone between a read and a write, and
 * every call is counted.
 */
import { createVerify, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseSvcbPresentation } from '../../src/dns/svcb.js';

export type CloudDnsMethod = 'token' | 'managedZones.list' | 'managedZones.get' | 'resourceRecordSets.list' | 'changes.create' | 'changes.get';
const METHODS: readonly CloudDnsMethod[] = ['token', 'managedZones.list', 'managedZones.get', 'resourceRecordSets.list', 'changes.create', 'changes.get'];

/** A resource record set as the API spells it (name fully qualified, with the trailing dot). */
export interface FakeRrset {
  readonly kind?: string;
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly rrdatas?: readonly string[];
  readonly routingPolicy?: unknown;
}

export interface FakeManagedZone {
  readonly name: string;
  readonly dnsName: string;
  readonly id: string;
  readonly visibility: 'public' | 'private';
  readonly rrsets: Map<string, FakeRrset>;
}

export interface LoggedChange {
  readonly zone: string;
  readonly additions: readonly FakeRrset[];
  readonly deletions: readonly FakeRrset[];
  /** 'applied' or the error reason it was refused with. */
  readonly result: string;
}

/** An injected fault: the next `times` calls of `method` answer with this error. */
export interface FakeFault {
  readonly method: CloudDnsMethod;
  readonly status: number;
  readonly reason: string;
  readonly message?: string;
  readonly times?: number;
}

export interface ServiceAccount {
  readonly email: string;
  /** The key file's JSON, as Google issues it. */
  readonly keyJson: string;
  readonly privateKeyPem: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_PAGE_SIZE = 100;

export class GoogleCloudDnsFake {
  readonly zones = new Map<string, FakeManagedZone>();
  readonly changes: LoggedChange[] = [];
  calls: Record<CloudDnsMethod, number> = emptyCounts();
  /** Requests that came through the CONNECT proxy, by the host they asked for. */
  readonly tunnels: string[] = [];
  /** Polls of changes.get that still answer `pending` (changes.create always does) before `done`. */
  pendingPolls = 0;
  /** Runs once, just before the next changes.create is validated (a concurrent edit). */
  beforeNextChange: (() => void) | undefined;
  /** Bearer tokens that were issued (never printed by the CLI; the tests check). */
  readonly issuedTokens = new Set<string>();
  #faults: Array<FakeFault & { remaining: number }> = [];
  #changeStatus = new Map<string, { polls: number }>();
  #accounts = new Map<string, KeyObject>();
  #nextChangeId = 1;

  private constructor(
    private readonly server: https.Server,
    private readonly proxy: http.Server,
    readonly project: string,
  ) {}

  static async start(tls: { key: string; cert: string }, project = 'my-project'): Promise<GoogleCloudDnsFake> {
    const server = https.createServer({ key: tls.key, cert: tls.cert });
    const proxy = http.createServer((_req, res) => {
      res.writeHead(405).end();
    });
    const fake = new GoogleCloudDnsFake(server, proxy, project);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void fake.#handle(req, res);
    });
    proxy.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      fake.tunnels.push(req.url ?? '');
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      server.emit('connection', socket);
    });
    await Promise.all([listen(server), listen(proxy)]);
    return fake;
  }

  /** https://127.0.0.1:PORT, for the `endpoint` setting. */
  get endpoint(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** http://127.0.0.1:PORT, for HTTPS_PROXY. */
  get proxyUrl(): string {
    return `http://127.0.0.1:${(this.proxy.address() as AddressInfo).port}`;
  }

  /** A service account whose key the token endpoint accepts (or, `registered: false`, one it does not know). */
  createServiceAccount(name = 'apexsync', registered = true): ServiceAccount {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = `${name}@${this.project}.iam.gserviceaccount.com`;
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    if (registered) this.#accounts.set(email, publicKey);
    const keyJson = JSON.stringify(
      {
        type: 'service_account',
        project_id: this.project,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKeyPem,
        client_email: email,
        client_id: String(100_000_000_000_000_000_000n + BigInt(this.#accounts.size)),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: 'https://oauth2.googleapis.com/token',
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
        universe_domain: 'googleapis.com',
      },
      null,
      2,
    );
    return { email, keyJson, privateKeyPem };
  }

  createZone(name: string, dnsName: string, visibility: 'public' | 'private' = 'public'): FakeManagedZone {
    const zone: FakeManagedZone = { name, dnsName: fqdn(dnsName), id: String(1_000_000 + this.zones.size), visibility, rrsets: new Map() };
    zone.rrsets.set(key(zone.dnsName, 'SOA'), {
      kind: 'dns#resourceRecordSet',
      name: zone.dnsName,
      type: 'SOA',
      ttl: 21600,
      rrdatas: ['ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300'],
    });
    zone.rrsets.set(key(zone.dnsName, 'NS'), {
      kind: 'dns#resourceRecordSet',
      name: zone.dnsName,
      type: 'NS',
      ttl: 21600,
      rrdatas: ['ns-cloud-a1.googledomains.com.', 'ns-cloud-a2.googledomains.com.'],
    });
    this.zones.set(name, zone);
    return zone;
  }

  setRrset(zoneName: string, rrset: FakeRrset): void {
    const zone = this.#zone(zoneName);
    const normal = { kind: 'dns#resourceRecordSet', ...rrset, name: fqdn(rrset.name) };
    zone.rrsets.set(key(normal.name, normal.type), normal);
  }

  deleteRrset(zoneName: string, name: string, type: string): void {
    this.#zone(zoneName).rrsets.delete(key(fqdn(name), type));
  }

  rrset(zoneName: string, name: string, type: string): FakeRrset | undefined {
    return this.#zone(zoneName).rrsets.get(key(fqdn(name), type));
  }

  /** The types at the zone's names, sorted, for "other records untouched" checks. */
  types(zoneName: string): string[] {
    return [...this.#zone(zoneName).rrsets.values()].map((rrset) => `${rrset.name} ${rrset.type}`).sort();
  }

  inject(fault: FakeFault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  resetCounters(): void {
    this.calls = emptyCounts();
    this.changes.length = 0;
    this.tunnels.length = 0;
  }

  clear(): void {
    this.zones.clear();
    this.#faults = [];
    this.beforeNextChange = undefined;
    this.pendingPolls = 0;
    this.resetCounters();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await Promise.all([new Promise((resolve) => this.server.close(resolve)), new Promise((resolve) => this.proxy.close(resolve))]);
  }

  #zone(name: string): FakeManagedZone {
    const zone = this.zones.get(name);
    if (zone === undefined) throw new Error(`no fake zone ${name}`);
    return zone;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'https://fake');
    try {
      if (req.method === 'POST' && url.pathname === '/token') {
        this.calls.token += 1;
        this.#fault('token');
        sendJson(res, 200, this.#token(new URLSearchParams(body)));
        return;
      }
      const route = routeOf(req.method ?? 'GET', url.pathname);
      if (route === undefined) throw new ApiError(404, 'notFound', `No such method: ${req.method} ${url.pathname}`);
      this.calls[route.method] += 1;
      this.#authorize(req.headers.authorization);
      this.#fault(route.method);
      if (route.project !== this.project) throw new ApiError(403, 'forbidden', `The caller does not have permission`);
      sendJson(res, 200, this.#dispatch(route, url.searchParams, body));
    } catch (error) {
      if (error instanceof OAuthError) {
        sendJson(res, error.status, { error: error.error, error_description: error.message });
      } else if (error instanceof ApiError) {
        sendJson(res, error.status, { error: { code: error.status, message: error.message, errors: [{ message: error.message, domain: 'global', reason: error.reason }] } });
      } else {
        sendJson(res, 500, { error: { code: 500, message: String(error), errors: [{ message: String(error), domain: 'global', reason: 'backendError' }] } });
      }
    }
  }

  #fault(method: CloudDnsMethod): void {
    const fault = this.#faults.find((candidate) => candidate.method === method && candidate.remaining > 0);
    if (fault === undefined) return;
    fault.remaining -= 1;
    if (method === 'token') throw new OAuthError(fault.status, fault.reason, fault.message ?? fault.reason);
    throw new ApiError(fault.status, fault.reason, fault.message ?? defaultMessage(fault.reason));
  }

  #token(form: URLSearchParams): object {
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new OAuthError(400, 'unsupported_grant_type', 'Invalid grant_type.');
    const assertion = form.get('assertion') ?? '';
    const [header, payload, signature] = assertion.split('.');
    if (header === undefined || payload === undefined || signature === undefined) throw new OAuthError(400, 'invalid_request', 'Invalid JWT.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string; aud?: string; exp?: number; scope?: string };
    const publicKey = claims.iss !== undefined ? this.#accounts.get(claims.iss) : undefined;
    if (publicKey === undefined) throw new OAuthError(400, 'invalid_grant', 'Invalid grant: account not found');
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(publicKey, Buffer.from(signature, 'base64url'))) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== 'https://oauth2.googleapis.com/token')
      throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    const token = `ya29.fake-${randomUUID()}`;
    this.issuedTokens.add(token);
    return { access_token: token, expires_in: 3599, token_type: 'Bearer' };
  }

  #authorize(header: string | undefined): void {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (token === undefined || !this.issuedTokens.has(token)) {
      throw new ApiError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
  }

  #dispatch(route: Route, query: URLSearchParams, body: string): object {
    switch (route.method) {
      case 'managedZones.list': {
        const dnsName = query.get('dnsName');
        const zones = [...this.zones.values()].filter((zone) => dnsName === null || zone.dnsName === fqdn(dnsName));
        const page = paginate(zones, query);
        return { kind: 'dns#managedZonesListResponse', managedZones: page.items.map(zoneResource), ...(page.next !== undefined ? { nextPageToken: page.next } : {}) };
      }
      case 'managedZones.get':
        return zoneResource(this.#routeZone(route));
      case 'resourceRecordSets.list': {
        const zone = this.#routeZone(route);
        const name = query.get('name');
        const type = query.get('type');
        if (type !== null && name === null) throw new ApiError(400, 'invalid', "Invalid value for 'type': the name must be set too");
        const rrsets = [...zone.rrsets.values()]
          .filter((rrset) => (name === null || rrset.name === fqdn(name.toLowerCase())) && (type === null || rrset.type === type))
          .sort((a, b) => (a.name === b.name ? a.type.localeCompare(b.type) : a.name.localeCompare(b.name)));
        const page = paginate(rrsets, query);
        return { kind: 'dns#resourceRecordSetsListResponse', rrsets: page.items, ...(page.next !== undefined ? { nextPageToken: page.next } : {}) };
      }
      case 'changes.create':
        return this.#createChange(this.#routeZone(route), body);
      case 'changes.get': {
        this.#routeZone(route);
        const change = this.#changeStatus.get(route.changeId ?? '');
        if (change === undefined) throw new ApiError(404, 'notFound', `The 'parameters.changeId' resource named '${route.changeId ?? ''}' does not exist.`);
        change.polls += 1;
        return { kind: 'dns#change', id: route.changeId, status: change.polls > this.pendingPolls ? 'done' : 'pending' };
      }
      default:
        throw new ApiError(404, 'notFound', 'not found');
    }
  }

  #routeZone(route: Route): FakeManagedZone {
    const zone = this.zones.get(route.zone ?? '') ?? [...this.zones.values()].find((candidate) => candidate.id === route.zone);
    if (zone === undefined) throw new ApiError(404, 'notFound', `The 'parameters.managedZone' resource named '${route.zone ?? ''}' does not exist.`);
    return zone;
  }

  #createChange(zone: FakeManagedZone, body: string): object {
    const hook = this.beforeNextChange;
    this.beforeNextChange = undefined;
    hook?.();
    const change = JSON.parse(body || '{}') as { additions?: FakeRrset[]; deletions?: FakeRrset[] };
    const additions = change.additions ?? [];
    const deletions = change.deletions ?? [];
    const log = (result: string): void => {
      this.changes.push({ zone: zone.name, additions, deletions, result });
    };
    try {
      if (additions.length === 0 && deletions.length === 0) throw new ApiError(400, 'required', "The 'entity.change' parameter is required but was missing.");
      const working = new Map(zone.rrsets);
      deletions.forEach((deletion, index) => {
        const field = `entity.change.deletions[${index}]`;
        const current = working.get(key(deletion.name, deletion.type));
        if (current === undefined) throw new ApiError(404, 'notFound', `The '${field}' resource named '${deletion.name} (${deletion.type})' does not exist.`);
        if (!sameRrset(current, deletion)) throw new ApiError(412, 'conditionNotMet', `Precondition not met for '${field}'`);
        working.delete(key(deletion.name, deletion.type));
      });
      additions.forEach((addition, index) => {
        const field = `entity.change.additions[${index}]`;
        validateAddition(zone, addition, field);
        if (working.has(key(addition.name, addition.type)))
          throw new ApiError(409, 'alreadyExists', `The resource '${field}' named '${addition.name} (${addition.type})' already exists`);
        working.set(key(addition.name, addition.type), {
          kind: 'dns#resourceRecordSet',
          name: addition.name,
          type: addition.type,
          ttl: addition.ttl ?? 0,
          rrdatas: [...(addition.rrdatas ?? [])],
        });
      });
      zone.rrsets.clear();
      for (const [k, v] of working) zone.rrsets.set(k, v);
    } catch (error) {
      log(error instanceof ApiError ? error.reason : 'error');
      throw error;
    }
    log('applied');
    const id = String(this.#nextChangeId++);
    this.#changeStatus.set(id, { polls: 0 });
    return { kind: 'dns#change', id, startTime: new Date().toISOString(), status: 'pending', additions, deletions };
  }
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

interface Route {
  readonly method: Exclude<CloudDnsMethod, 'token'>;
  readonly project: string;
  readonly zone?: string;
  readonly changeId?: string;
}

function routeOf(method: string, pathname: string): Route | undefined {
  const match = /^\/dns\/v1\/projects\/([^/]+)\/managedZones(?:\/([^/]+)(?:\/(rrsets|changes)(?:\/([^/]+))?)?)?$/.exec(pathname);
  if (match === null) return undefined;
  const [, project = '', zone, collection, item] = match;
  const decoded = { project: decodeURIComponent(project), ...(zone !== undefined ? { zone: decodeURIComponent(zone) } : {}) };
  if (zone === undefined) return method === 'GET' ? { method: 'managedZones.list', ...decoded } : undefined;
  if (collection === undefined) return method === 'GET' ? { method: 'managedZones.get', ...decoded } : undefined;
  if (collection === 'rrsets') return method === 'GET' && item === undefined ? { method: 'resourceRecordSets.list', ...decoded } : undefined;
  if (item === undefined) return method === 'POST' ? { method: 'changes.create', ...decoded } : undefined;
  return method === 'GET' ? { method: 'changes.get', ...decoded, changeId: decodeURIComponent(item) } : undefined;
}

function zoneResource(zone: FakeManagedZone): object {
  return {
    kind: 'dns#managedZone',
    name: zone.name,
    dnsName: zone.dnsName,
    description: '',
    id: zone.id,
    nameServers: ['ns-cloud-a1.googledomains.com.', 'ns-cloud-a2.googledomains.com.'],
    creationTime: '2024-01-01T00:00:00.000Z',
    visibility: zone.visibility,
  };
}

function paginate<T>(items: readonly T[], query: URLSearchParams): { items: T[]; next?: string } {
  const size = Math.max(1, Math.min(Number(query.get('maxResults') ?? DEFAULT_PAGE_SIZE) || DEFAULT_PAGE_SIZE, 1000));
  const token = query.get('pageToken');
  const start =
    token === null
      ? 0
      : Number(
          Buffer.from(token, 'base64url')
            .toString('utf8')
            .replace(/^offset:/, ''),
        );
  if (!Number.isInteger(start) || start < 0) throw new ApiError(400, 'invalid', "Invalid value for 'pageToken'");
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { next: Buffer.from(`offset:${end}`).toString('base64url') } : {}) };
}

function validateAddition(zone: FakeManagedZone, addition: FakeRrset, field: string): void {
  if (addition.name !== zone.dnsName && !addition.name.endsWith(`.${zone.dnsName}`)) {
    throw new ApiError(400, 'invalid', `The resource '${field}' named '${addition.name} (${addition.type})' does not belong to zone '${zone.dnsName}'`);
  }
  if (!Number.isInteger(addition.ttl) || (addition.ttl ?? -1) < 0) throw new ApiError(400, 'invalid', `Invalid value for '${field}.ttl': '${String(addition.ttl)}'`);
  const rrdatas = addition.rrdatas ?? [];
  if (rrdatas.length === 0) throw new ApiError(400, 'required', `The '${field}.rrdata' parameter is required but was missing.`);
  for (const [index, rrdata] of rrdatas.entries()) {
    const ok = addition.type === 'A' ? net.isIPv4(rrdata) : addition.type === 'AAAA' ? net.isIPv6(rrdata) : addition.type === 'HTTPS' ? isSvcbPresentation(rrdata) : true;
    if (!ok) throw new ApiError(400, 'invalid', `Invalid value for '${field}.rrdata[${index}]': '${rrdata}'`);
  }
}

/** Cloud DNS takes HTTPS rrdatas in presentation form (RFC 9460) and refuses what does not parse. */
function isSvcbPresentation(rrdata: string): boolean {
  try {
    parseSvcbPresentation(rrdata);
    return true;
  } catch {
    return false;
  }
}

/** A deletion matches when name, type, TTL, the data (in any order) and the routing policy are the same. */
function sameRrset(current: FakeRrset, deletion: FakeRrset): boolean {
  const sorted = (values: readonly string[] | undefined): string => [...(values ?? [])].sort().join('\n');
  return (
    current.ttl === deletion.ttl &&
    sorted(current.rrdatas) === sorted(deletion.rrdatas) &&
    JSON.stringify(current.routingPolicy ?? null) === JSON.stringify(deletion.routingPolicy ?? null)
  );
}

function defaultMessage(reason: string): string {
  switch (reason) {
    case 'rateLimitExceeded':
      return 'Rate Limit Exceeded';
    case 'forbidden':
      return 'Forbidden';
    default:
      return reason;
  }
}

function key(name: string, type: string): string {
  return `${name.toLowerCase()}|${type}`;
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

function emptyCounts(): Record<CloudDnsMethod, number> {
  return Object.fromEntries(METHODS.map((method) => [method, 0])) as Record<CloudDnsMethod, number>;
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}
