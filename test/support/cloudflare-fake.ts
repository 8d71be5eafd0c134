import http from 'node:http';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A wire-level fake of the Cloudflare API v4 (the parts apexsync uses), for the real SDK to talk
 * to on loopback. What it implements, as Cloudflare's API documentation describes it:
 * - the v4 envelope `{success, errors[{code,message}], messages, result, result_info}`;
 * - `GET /zones` (page-based, 20 per page by default, at most 50), `GET /zones?name=` and
 *   `GET /zones/:id`; `zoneListing: 'forbidden'` refuses the unfiltered listing with 403;
 * - `GET /zones/:id/dns_records` page-based (`page`, `per_page` 5…5 000 000, default 100), with
 *   `name` / `name.exact|contains|startswith|endswith`, `type` and `content.exact` filters; a page
 *   past the end is EMPTY (the SDK's iterator stops only on an empty page);
 * - create (POST), PATCH (merge), PUT (replace), DELETE, with the real error codes: 81058 identical
 *   record, 81053 A/AAAA/CNAME clash, 81044 record does not exist, 7003 unknown object id,
 *   7000 unknown route, 1004 validation;
 * - `POST /zones/:id/dns_records/batch`: deletes → patches → puts → posts, validated against a copy
 *   and committed only if every operation succeeds (all or nothing), at most `batchLimit` ops;
 * - bearer-token check (401, code 10000); a token scope (`read` makes writes answer 403, 10000);
 * - 429 injection with `retry-after`.
 * Test hooks: call counters per method and for the batch route, a request log, `batchEnabled`,
 * direct record edits, `beforeHandle` / `afterWrite` callbacks and a response delay for writes.
 */

export interface FakeRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  /** HTTPS/SVCB: the structured form the API takes and returns; `content` is derived from it. */
  data?: { priority: number; target: string; value: string };
  ttl: number;
  proxied: boolean;
  proxiable: boolean;
  comment: string | null;
  tags: string[];
  settings: Record<string, unknown>;
  meta: Record<string, unknown>;
  created_on: string;
  modified_on: string;
}

export interface FakeZone {
  readonly id: string;
  readonly name: string;
  status: string;
  records: FakeRecord[];
}

export interface FakeRequest {
  readonly method: string;
  /** Path below /client/v4. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  /** The SDK's X-Stainless-Retry-Count header: 0 on a first attempt. */
  readonly retryCount: number;
  /** HTTP status answered (set once handled). */
  status: number;
}

export interface RecordInput {
  name: string;
  type: string;
  content: string;
  ttl?: number;
  proxied?: boolean;
  comment?: string | null;
  tags?: string[];
}

export type MethodCounts = Record<'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', number>;

const PREFIX = '/client/v4';
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
const TYPES = new Set(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'CAA', 'SRV', 'PTR', 'HTTPS', 'SVCB']);

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class CloudflareFake {
  readonly zones: FakeZone[] = [];
  readonly requests: FakeRequest[] = [];
  counts: MethodCounts = { GET: 0, POST: 0, PATCH: 0, PUT: 0, DELETE: 0 };
  /** Requests to the batch route (also counted under POST). */
  batchCalls = 0;
  /** 429 answers served. */
  rateLimited = 0;
  /** 401/403 answers served. */
  authFailures = 0;
  /** False: the batch route answers 404 (7000), as where it is not available. */
  batchEnabled = true;
  batchLimit: number;
  token: string;
  /** `read`: the token may only read; every write answers 403. */
  tokenScope: 'edit' | 'read' = 'edit';
  /** `forbidden`: `GET /zones` without a `name` filter answers 403 (9109), lookups by name still work. */
  zoneListing: 'allowed' | 'forbidden' = 'allowed';
  /** Called before a request is handled (after the auth and rate-limit checks): edit state here. */
  beforeHandle: ((request: FakeRequest) => void | Promise<void>) | undefined;
  /** Called after each successful write (POST, PATCH, PUT, DELETE, batch). */
  afterWrite: ((request: FakeRequest) => void) | undefined;
  /** Milliseconds to hold the answer of the next successful write, after committing it. */
  delayNextWriteMs = 0;

  #rateLimit: { remaining: number; retryAfter: string } = { remaining: 0, retryAfter: '0' };
  #seq = 0;
  readonly #server: http.Server;
  #port = 0;

  private constructor(options: { token?: string; batchLimit?: number }) {
    this.token = options.token ?? 'test-token';
    this.batchLimit = options.batchLimit ?? 200;
    this.#server = http.createServer((req, res) => void this.#serve(req, res));
  }

  static async start(options: { token?: string; batchLimit?: number } = {}): Promise<CloudflareFake> {
    const fake = new CloudflareFake(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}${PREFIX}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- test hooks -------------------------------------------------------------------------

  addZone(name: string, status = 'active'): FakeZone {
    const zone: FakeZone = { id: this.#newId(), name, status, records: [] };
    this.zones.push(zone);
    return zone;
  }

  zone(name: string): FakeZone {
    const zone = this.zones.find((z) => z.name === name);
    if (!zone) throw new Error(`fake: no zone ${name}`);
    return zone;
  }

  /** Adds a record directly (no validation beyond the type), as a person in the dashboard would. */
  addRecord(zoneName: string, input: RecordInput): FakeRecord {
    const zone = this.zone(zoneName);
    const record = this.#buildRecord(zone, input);
    zone.records.push(record);
    return record;
  }

  /** Copies of the records of a zone, optionally at one name and of one type. */
  records(zoneName: string, filter: { name?: string; type?: string } = {}): FakeRecord[] {
    return this.zone(zoneName)
      .records.filter((r) => (filter.name === undefined || r.name === filter.name) && (filter.type === undefined || r.type === filter.type))
      .map((r) => structuredClone(r));
  }

  /** Sorted contents of the records of `type` at `name`. */
  contents(zoneName: string, name: string, type: string): string[] {
    return this.records(zoneName, { name, type })
      .map((r) => r.content)
      .sort();
  }

  removeRecord(zoneName: string, id: string): void {
    const zone = this.zone(zoneName);
    zone.records = zone.records.filter((r) => r.id !== id);
  }

  editRecord(zoneName: string, id: string, changes: Partial<RecordInput>): void {
    const record = this.zone(zoneName).records.find((r) => r.id === id);
    if (!record) throw new Error(`fake: no record ${id}`);
    Object.assign(record, changes);
  }

  /** The next `count` requests answer 429 with `retry-after: retryAfter` (seconds). */
  rateLimitNext(count: number, retryAfter: string | number = 0): void {
    this.#rateLimit = { remaining: count, retryAfter: String(retryAfter) };
  }

  /** Write requests counted so far (POST, PATCH, PUT, DELETE; the batch route is a POST). */
  get writes(): number {
    return this.counts.POST + this.counts.PATCH + this.counts.PUT + this.counts.DELETE;
  }

  resetCounts(): void {
    this.counts = { GET: 0, POST: 0, PATCH: 0, PUT: 0, DELETE: 0 };
    this.batchCalls = 0;
    this.rateLimited = 0;
    this.authFailures = 0;
    this.requests.length = 0;
  }

  // ---- HTTP ------------------------------------------------------------------------------

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    let body: unknown = undefined;
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : url.pathname,
      query: url.searchParams,
      body: undefined,
      retryCount: Number(req.headers['x-stainless-retry-count'] ?? 0),
      status: 0,
    };
    const method = request.method as keyof MethodCounts;
    if (method in this.counts) this.counts[method] += 1;
    if (request.method === 'POST' && /\/dns_records\/batch$/.test(request.path)) this.batchCalls += 1;
    this.requests.push(request);

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      request.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const sendError = (failure: ApiFailure, headers: Record<string, string> = {}) =>
      send(failure.status, { success: false, errors: [{ code: failure.code, message: failure.message }], messages: [], result: null }, headers);

    try {
      if (raw.length > 0) body = JSON.parse(raw);
    } catch {
      sendError(new ApiFailure(400, 6007, 'Malformed JSON in request body'));
      return;
    }
    Object.assign(request, { body });

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.authFailures += 1;
      sendError(new ApiFailure(401, 10000, 'Authentication error'));
      return;
    }
    if (this.#rateLimit.remaining > 0) {
      this.#rateLimit.remaining -= 1;
      this.rateLimited += 1;
      sendError(new ApiFailure(429, 971, 'Please wait and consider throttling your request speed'), { 'retry-after': this.#rateLimit.retryAfter });
      return;
    }
    const isWrite = request.method !== 'GET';
    if (isWrite && this.tokenScope === 'read') {
      this.authFailures += 1;
      sendError(new ApiFailure(403, 10000, 'Authentication error'));
      return;
    }
    try {
      await this.beforeHandle?.(request);
      const { result, resultInfo } = this.#route(request);
      if (isWrite) this.afterWrite?.(request);
      if (isWrite && this.delayNextWriteMs > 0) {
        const delay = this.delayNextWriteMs;
        this.delayNextWriteMs = 0;
        await sleep(delay);
        if (res.destroyed) return;
      }
      send(200, { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) });
    } catch (error) {
      if (error instanceof ApiFailure) sendError(error);
      else send(500, { success: false, errors: [{ code: 10001, message: String(error) }], messages: [], result: null });
    }
  }

  #route(request: FakeRequest): { result: unknown; resultInfo?: ResultInfo } {
    const { method, path } = request;
    const parts = path.split('/').filter((p) => p !== '');
    if (parts[0] !== 'zones') throw noRoute();
    if (parts.length === 1 && method === 'GET') return this.#listZones(request.query);
    const zone = this.#zoneById(parts[1]!, path);
    if (parts.length === 2 && method === 'GET') return { result: zoneView(zone) };
    if (parts[2] !== 'dns_records') throw noRoute();
    if (parts.length === 3 && method === 'GET') return this.#listRecords(zone, request.query);
    if (parts.length === 3 && method === 'POST') return { result: this.#commit(zone, (records) => create(zone, records, request.body, () => this.#newId())) };
    if (parts.length === 4 && parts[3] === 'batch' && method === 'POST') {
      if (!this.batchEnabled) throw noRoute();
      return { result: this.#batch(zone, request.body) };
    }
    if (parts.length !== 4) throw noRoute();
    const id = parts[3]!;
    if (!/^[0-9a-f]{32}$/.test(id)) throw new ApiFailure(404, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
    switch (method) {
      case 'GET':
        return { result: findRecord(zone.records, id) };
      case 'PATCH':
        return { result: this.#commit(zone, (records) => patch(zone, records, id, request.body)) };
      case 'PUT':
        return { result: this.#commit(zone, (records) => put(zone, records, id, request.body)) };
      case 'DELETE':
        return { result: this.#commit(zone, (records) => remove(records, id)) };
      default:
        throw noRoute();
    }
  }

  #listZones(query: URLSearchParams): { result: unknown; resultInfo: ResultInfo } {
    const name = query.get('name');
    const status = query.get('status');
    if (name === null && this.zoneListing === 'forbidden') {
      this.authFailures += 1;
      throw new ApiFailure(403, 9109, 'Unauthorized to access requested resource');
    }
    const zones = this.zones.filter((z) => (name === null || z.name === name.toLowerCase()) && (status === null || z.status === status));
    return paginate(zones.map(zoneView), query, 20, 50);
  }

  #listRecords(zone: FakeZone, query: URLSearchParams): { result: unknown; resultInfo: ResultInfo } {
    const exact = query.get('name.exact') ?? query.get('name');
    const contains = query.get('name.contains');
    const startsWith = query.get('name.startswith');
    const endsWith = query.get('name.endswith');
    const type = query.get('type');
    const content = query.get('content.exact') ?? query.get('content');
    const records = zone.records.filter(
      (r) =>
        (exact === null || r.name === normalise(exact)) &&
        (contains === null || r.name.includes(contains.toLowerCase())) &&
        (startsWith === null || r.name.startsWith(startsWith.toLowerCase())) &&
        (endsWith === null || r.name.endsWith(endsWith.toLowerCase())) &&
        (type === null || r.type === type) &&
        (content === null || r.content === content),
    );
    return paginate(records, query, 100, 5_000_000);
  }

  /** Runs `change` on a copy of the zone's records and keeps the copy only if it succeeds. */
  #commit<T>(zone: FakeZone, change: (records: FakeRecord[]) => T): T {
    const copy = structuredClone(zone.records);
    const result = change(copy);
    zone.records = copy;
    return result;
  }

  #batch(zone: FakeZone, body: unknown): unknown {
    const input = asObject(body);
    const deletes = asArray(input.deletes);
    const patches = asArray(input.patches);
    const puts = asArray(input.puts);
    const posts = asArray(input.posts);
    const total = deletes.length + patches.length + puts.length + posts.length;
    if (total > this.batchLimit) throw new ApiFailure(400, 1004, `Too many operations in a batch: ${total} (the limit is ${this.batchLimit})`);
    // The documented order, inside one transaction: deletes → patches → puts → posts.
    return this.#commit(zone, (records) => ({
      deletes: deletes.map((d) => remove(records, String(asObject(d).id))),
      patches: patches.map((p) => patch(zone, records, String(asObject(p).id), p)),
      puts: puts.map((p) => put(zone, records, String(asObject(p).id), p)),
      posts: posts.map((p) => create(zone, records, p, () => this.#newId())),
    }));
  }

  #zoneById(id: string, path: string): FakeZone {
    const zone = this.zones.find((z) => z.id === id);
    if (!zone) throw new ApiFailure(404, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
    return zone;
  }

  #buildRecord(zone: FakeZone, input: RecordInput): FakeRecord {
    const now = new Date().toISOString();
    const proxied = input.proxied ?? false;
    return {
      id: this.#newId(),
      zone_id: zone.id,
      zone_name: zone.name,
      name: ownerName(input.name, zone.name),
      type: input.type,
      content: input.content,
      ttl: proxied ? 1 : (input.ttl ?? 1),
      proxied,
      proxiable: PROXIABLE.has(input.type),
      comment: input.comment ?? null,
      tags: input.tags ?? [],
      settings: {},
      meta: {},
      created_on: now,
      modified_on: now,
    };
  }

  #newId(): string {
    this.#seq += 1;
    return this.#seq.toString(16).padStart(32, '0');
  }
}

// ---- record semantics ------------------------------------------------------------------------

interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

function paginate<T>(items: readonly T[], query: URLSearchParams, defaultPerPage: number, maxPerPage: number): { result: T[]; resultInfo: ResultInfo } {
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const perPage = Math.min(maxPerPage, Math.max(5, Number(query.get('per_page') ?? defaultPerPage) || defaultPerPage));
  // A page past the end is an empty page, not an error: the SDK's iterator relies on it.
  const result = items.slice((page - 1) * perPage, page * perPage);
  return {
    result,
    resultInfo: { page, per_page: perPage, count: result.length, total_count: items.length, total_pages: Math.ceil(items.length / perPage) },
  };
}

function create(zone: FakeZone, records: FakeRecord[], body: unknown, newId: () => string): FakeRecord {
  const input = asObject(body);
  const now = new Date().toISOString();
  const type = String(input.type ?? '');
  const proxied = input.proxied === true;
  const record: FakeRecord = {
    id: newId(),
    zone_id: zone.id,
    zone_name: zone.name,
    name: ownerName(String(input.name ?? ''), zone.name),
    type,
    content: String(input.content ?? ''),
    ...structuredData(type, input.data),
    ttl: proxied ? 1 : Number(input.ttl ?? 1),
    proxied,
    proxiable: PROXIABLE.has(type),
    comment: typeof input.comment === 'string' ? input.comment : null,
    tags: Array.isArray(input.tags) ? input.tags.map(String) : [],
    settings: {},
    meta: {},
    created_on: now,
    modified_on: now,
  };
  validate(record, records);
  records.push(record);
  return record;
}

function patch(zone: FakeZone, records: FakeRecord[], id: string, body: unknown): FakeRecord {
  const record = findRecord(records, id);
  const input = asObject(body);
  const next: FakeRecord = { ...record, tags: [...record.tags], modified_on: new Date().toISOString() };
  if (input.name !== undefined) next.name = ownerName(String(input.name), zone.name);
  if (input.type !== undefined) next.type = String(input.type);
  if (input.content !== undefined) next.content = String(input.content);
  if (input.data !== undefined) Object.assign(next, structuredData(next.type, input.data));
  if (input.ttl !== undefined) next.ttl = Number(input.ttl);
  if (input.proxied !== undefined) next.proxied = input.proxied === true;
  if (input.comment !== undefined) next.comment = input.comment === null ? null : String(input.comment);
  if (input.tags !== undefined) next.tags = asArray(input.tags).map(String);
  if (next.proxied) next.ttl = 1;
  next.proxiable = PROXIABLE.has(next.type);
  validate(
    next,
    records.filter((r) => r.id !== id),
  );
  records[records.indexOf(record)] = next;
  return next;
}

function put(zone: FakeZone, records: FakeRecord[], id: string, body: unknown): FakeRecord {
  const record = findRecord(records, id);
  const input = asObject(body);
  const proxied = input.proxied === true;
  const next: FakeRecord = {
    ...record,
    name: ownerName(String(input.name ?? ''), zone.name),
    type: String(input.type ?? ''),
    content: String(input.content ?? ''),
    ...structuredData(String(input.type ?? ''), input.data),
    ttl: proxied ? 1 : Number(input.ttl ?? 1),
    proxied,
    comment: typeof input.comment === 'string' ? input.comment : null,
    tags: Array.isArray(input.tags) ? input.tags.map(String) : [],
    modified_on: new Date().toISOString(),
  };
  next.proxiable = PROXIABLE.has(next.type);
  validate(
    next,
    records.filter((r) => r.id !== id),
  );
  records[records.indexOf(record)] = next;
  return next;
}

/**
 * HTTPS and SVCB records are written with `data` { priority, target, value } (the API's
 * `content` for them is read-only text made from it: "1 . alpn=h2"); other types have none.
 */
function structuredData(type: string, data: unknown): { data?: FakeRecord['data']; content?: string } {
  if (type !== 'HTTPS' && type !== 'SVCB') return {};
  const d = asObject(data);
  if (typeof d.priority !== 'number' || typeof d.target !== 'string')
    throw new ApiFailure(400, 1004, `DNS Validation Error: data.priority and data.target are required for ${type} records`);
  const value = typeof d.value === 'string' ? d.value : '';
  return { data: { priority: d.priority, target: d.target, value }, content: `${d.priority} ${d.target}${value === '' ? '' : ` ${value}`}` };
}

function remove(records: FakeRecord[], id: string): { id: string } {
  const record = findRecord(records, id);
  records.splice(records.indexOf(record), 1);
  return { id: record.id };
}

function findRecord(records: readonly FakeRecord[], id: string): FakeRecord {
  const record = records.find((r) => r.id === id);
  if (!record) throw new ApiFailure(404, 81044, 'Record does not exist.');
  return record;
}

/** Checks a record as the API would before storing it beside `others`. */
function validate(record: FakeRecord, others: readonly FakeRecord[]): void {
  if (!TYPES.has(record.type)) throw new ApiFailure(400, 1004, `DNS Validation Error: unsupported type ${record.type}`);
  if (record.name === '') throw new ApiFailure(400, 1004, 'DNS Validation Error: name is required');
  if (record.type === 'A' && isIP(record.content) !== 4) throw new ApiFailure(400, 1004, 'DNS Validation Error: content for A record is invalid. Must be a valid IPv4 address');
  if (record.type === 'AAAA' && isIP(record.content) !== 6)
    throw new ApiFailure(400, 1004, 'DNS Validation Error: content for AAAA record is invalid. Must be a valid IPv6 address');
  if (record.ttl !== 1 && (!Number.isInteger(record.ttl) || record.ttl < 60 || record.ttl > 86400)) {
    throw new ApiFailure(400, 1004, 'DNS Validation Error: TTL must be between 60 and 86400 seconds, or 1 for Automatic');
  }
  if (record.proxied && !PROXIABLE.has(record.type)) throw new ApiFailure(400, 9004, `This record type cannot be proxied.`);
  if (record.comment !== null && record.comment.length > 100) throw new ApiFailure(400, 9104, 'Comment is too long (max 100 characters)');
  const sameName = others.filter((r) => r.name === record.name);
  if (sameName.some((r) => r.type === record.type && r.content === record.content)) throw new ApiFailure(400, 81058, 'An identical record already exists.');
  const clashes = record.type === 'CNAME' ? sameName.some((r) => PROXIABLE.has(r.type)) : PROXIABLE.has(record.type) && sameName.some((r) => r.type === 'CNAME');
  if (clashes) throw new ApiFailure(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.');
}

/** Cloudflare reads a name that does not end in the zone as relative to it; `@` is the apex. */
function ownerName(name: string, zone: string): string {
  const n = normalise(name);
  if (n === '') return '';
  if (n === '@') return zone;
  return n === zone || n.endsWith(`.${zone}`) ? n : `${n}.${zone}`;
}

function normalise(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function zoneView(zone: FakeZone): Record<string, unknown> {
  return { id: zone.id, name: zone.name, status: zone.status, paused: false, type: 'full', name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'] };
}

function noRoute(): ApiFailure {
  return new ApiFailure(404, 7000, 'No route for that URI');
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiFailure(400, 1004, 'DNS Validation Error: expected an object');
  return value as Record<string, unknown>;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ApiFailure(400, 1004, 'DNS Validation Error: expected an array');
  return value;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
