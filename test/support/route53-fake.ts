/**
 * A wire-level Route 53 for tests: a node:http server on 127.0.0.1 speaking the REST/XML API
 * 2013-04-01 the way the AWS API Reference documents it, so the real AWS SDK — serialisation, the
 * Route 53 ID middleware, XML and error parsing, retries — runs against it. Unlike moto it keeps
 * AWS's semantics where they matter to apexsync:
 * - ListHostedZonesByName is a cursor over zones sorted by reversed labels, not an exact filter;
 * - ListResourceRecordSets lists in Route 53 order (reversed-label name as ASCII, then type, then
 *   set identifier), from a start name/type/identifier, at most 300 per page, with Next* cursors;
 * - a change batch is validated change by change against a working copy and applied all or
 *   nothing; CREATE fails on an existing set, DELETE needs the exact TTL and values, deleting a
 *   set twice in one batch is an error, the 1000-record and 32 000-character limits count UPSERT
 *   twice; every error comes in the ErrorResponse envelope;
 * - GetChange answers PENDING for a configurable number of polls, then INSYNC.
 * Faults can be injected (Throttling, PriorRequestNotComplete, AccessDenied, 500s, hangs), and
 * every call is counted and logged for assertions.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { children, child, el, parseXml, textOf, xmlDocument, type XmlElement, type XmlNode } from './route53-fake-xml.js';

export type Route53Operation = 'ListHostedZonesByName' | 'GetHostedZone' | 'ListResourceRecordSets' | 'ChangeResourceRecordSets' | 'GetChange';
const OPERATIONS: readonly Route53Operation[] = ['ListHostedZonesByName', 'GetHostedZone', 'ListResourceRecordSets', 'ChangeResourceRecordSets', 'GetChange'];

export interface FakeAliasTarget {
  readonly hostedZoneId: string;
  readonly dnsName: string;
  readonly evaluateTargetHealth: boolean;
}

/** A record set as the fake stores it: `name` in Route 53's form (lower case, escaped, trailing dot). */
export interface FakeRecordSet {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly values?: readonly string[];
  readonly setIdentifier?: string;
  readonly weight?: number;
  readonly aliasTarget?: FakeAliasTarget;
}

/** A record set as a test writes it: any spelling of the name. */
export type FakeRecordSetInput = FakeRecordSet;

export interface FakeZone {
  readonly id: string;
  /** Route 53 form, with the trailing dot. */
  readonly name: string;
  readonly private: boolean;
  readonly callerReference: string;
  records: Map<string, FakeRecordSet>;
}

export interface LoggedChange {
  readonly action: string;
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly values: readonly string[];
}

export interface LoggedBatch {
  readonly zoneId: string;
  readonly comment?: string;
  readonly changes: readonly LoggedChange[];
  /** 'applied', or the error code it was refused with. */
  readonly result: string;
  readonly message?: string;
  readonly changeId?: string;
  /** ResourceRecord elements and Value characters, UPSERT counted twice. */
  readonly records: number;
  readonly valueChars: number;
}

export interface LoggedRequest {
  readonly operation: Route53Operation | 'Unknown';
  /** The request path, e.g. /2013-04-01/change/C2682N5HXP0BZ4. */
  readonly path: string;
  /** From the SDK's `amz-sdk-request: attempt=N; max=M` header (1 when absent). */
  readonly attempt: number;
  readonly status: number;
  readonly errorCode?: string;
  readonly accessKeyId?: string;
}

/**
 * An injected fault. It hits requests of `operation` (any when omitted): the next `times` of them,
 * or each with probability `fraction` (from a seeded generator, so runs repeat).
 * - 'Throttling' / 'PriorRequestNotComplete': HTTP 400, as Route 53 sends them.
 * - 'AccessDenied': HTTP 403.
 * - 'InternalFailure': HTTP 500.
 * - 'hang': no response until the fake closes; with `applyFirst` a change batch is applied first
 *   (the write happened, the answer never came).
 * - 'html-200': HTTP 200 with an HTML page instead of the operation's XML (a proxy or captive
 *   portal in the way); with `applyFirst` a change batch is applied first.
 * - 'cut-200': the operation runs (a change batch is applied), then the status line, the headers
 *   (with the full content-length) and half of the XML go out, and the connection is reset.
 */
export interface FakeFault {
  readonly error: 'Throttling' | 'PriorRequestNotComplete' | 'AccessDenied' | 'InternalFailure' | 'hang' | 'html-200' | 'cut-200';
  readonly operation?: Route53Operation;
  readonly times?: number;
  readonly fraction?: number;
  readonly applyFirst?: boolean;
}

const MAX_RECORD_SETS_PER_PAGE = 300;
const MAX_ZONES_PER_PAGE = 100;
const LIMIT_RECORDS = 1000;
const LIMIT_VALUE_CHARS = 32_000;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

// ---- Names, as Route 53 spells and sorts them ------------------------------------------------

/** Route 53's stored form of any spelling: lower case, octal escapes, trailing dot. */
export function route53Name(name: string): string {
  const plain = name
    .trim()
    .toLowerCase()
    .replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const withoutDot = plain.endsWith('.') ? plain.slice(0, -1) : plain;
  const escaped = [...withoutDot].map((c) => (/[a-z0-9._-]/.test(c) ? c : `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)).join('');
  return `${escaped}.`;
}

/** "www.example.com." → "com.example.www." — compared as ASCII, as the API documentation describes. */
function reversedLabels(stored: string): string {
  return `${stored.slice(0, -1).split('.').reverse().join('.')}.`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRecordSets(a: { name: string; type: string; setIdentifier?: string | undefined }, b: typeof a): number {
  return compareStrings(reversedLabels(a.name), reversedLabels(b.name)) || compareStrings(a.type, b.type) || compareStrings(a.setIdentifier ?? '', b.setIdentifier ?? '');
}

const recordKey = (set: { name: string; type: string; setIdentifier?: string | undefined }): string => `${set.name}|${set.type}|${set.setIdentifier ?? ''}`;

function isInZoneName(stored: string, zoneName: string): boolean {
  return stored === zoneName || stored.endsWith(`.${zoneName}`);
}

// ---- The fake --------------------------------------------------------------------------------

export class Route53Fake {
  readonly zones = new Map<string, FakeZone>();
  /** HTTP requests per operation, retries included. */
  readonly calls: Record<Route53Operation, number> = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<Route53Operation, number>;
  readonly requests: LoggedRequest[] = [];
  readonly batches: LoggedBatch[] = [];
  /** GetChange answers PENDING this many times per change before INSYNC. */
  syncAfterPolls = 0;
  /** When set, the next applied change batch gets this id and time (e.g. a documented example's). */
  nextChangeInfo: { readonly id: string; readonly submittedAt: string } | undefined;
  /** When set, a request signed for another access key id is refused (InvalidClientTokenId). */
  expectedAccessKeyId: string | undefined;

  readonly #changes = new Map<string, { polls: number; submittedAt: string; comment?: string | undefined }>();
  #faults: Array<FakeFault & { remaining?: number }> = [];
  #nextZone = 1;
  #nextChange = 1;
  #seed = 42;
  readonly #hanging = new Set<ServerResponse>();
  readonly #server: http.Server;
  #port = 0;

  private constructor() {
    this.#server = http.createServer((request, response) => void this.#handle(request, response));
  }

  static async start(): Promise<Route53Fake> {
    const fake = new Route53Fake();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** The endpoint to give the SDK (`endpoint` in the provider settings). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async close(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#hanging.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- Test hooks (no counters, no faults) ----

  /** A hosted zone with its SOA and NS, as Route 53 creates it. Returns its ID (without /hostedzone/). */
  createZone(name: string, options: { private?: boolean; id?: string } = {}): string {
    const id = options.id ?? `Z${String(this.#nextZone++).padStart(4, '0')}FAKE${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    const stored = route53Name(name);
    const zone: FakeZone = { id, name: stored, private: options.private ?? false, callerReference: randomUUID(), records: new Map() };
    this.zones.set(id, zone);
    this.setRecordSet(id, { name: stored, type: 'SOA', ttl: 900, values: [`ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] });
    this.setRecordSet(id, { name: stored, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-01.org.', 'ns-2.awsdns-02.co.uk.'] });
    return id;
  }

  /** Writes a record set directly, as someone editing the zone by hand would. */
  setRecordSet(zoneId: string, set: FakeRecordSetInput): void {
    const zone = this.#zone(zoneId);
    const stored: FakeRecordSet = { ...set, name: route53Name(set.name) };
    zone.records.set(recordKey(stored), stored);
  }

  deleteRecordSet(zoneId: string, name: string, type: string, setIdentifier?: string): boolean {
    return this.#zone(zoneId).records.delete(recordKey({ name: route53Name(name), type, setIdentifier }));
  }

  recordSet(zoneId: string, name: string, type: string, setIdentifier?: string): FakeRecordSet | undefined {
    return this.#zone(zoneId).records.get(recordKey({ name: route53Name(name), type, setIdentifier }));
  }

  /** Every record set of the zone in Route 53 listing order. */
  recordSets(zoneId: string): FakeRecordSet[] {
    return [...this.#zone(zoneId).records.values()].sort(compareRecordSets);
  }

  inject(fault: FakeFault): void {
    this.#faults.push({ ...fault, ...(fault.times !== undefined ? { remaining: fault.times } : {}) });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Zeroes the counters and logs (zones and records stay). */
  resetCounters(): void {
    for (const op of OPERATIONS) this.calls[op] = 0;
    this.requests.length = 0;
    this.batches.length = 0;
  }

  /** Requests of `operation` that the SDK marked as a retry (attempt > 1). */
  retries(operation?: Route53Operation): number {
    return this.requests.filter((r) => r.attempt > 1 && (operation === undefined || r.operation === operation)).length;
  }

  // ---- HTTP ----

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://fake');
    const route = routeOf(request.method ?? 'GET', url.pathname);
    const attempt = Number(/attempt=(\d+)/.exec(String(request.headers['amz-sdk-request'] ?? ''))?.[1] ?? '1');
    const accessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    const log = (status: number, errorCode?: string): void => {
      this.requests.push({
        operation: route?.operation ?? 'Unknown',
        path: url.pathname,
        attempt,
        status,
        ...(errorCode ? { errorCode } : {}),
        ...(accessKeyId ? { accessKeyId } : {}),
      });
    };
    try {
      if (route === undefined) throw new ApiError(404, 'UnknownOperationException', `no operation at ${request.method} ${url.pathname}`);
      this.calls[route.operation] += 1;
      this.#checkSignature(request, accessKeyId);
      const fault = this.#faultFor(route.operation);
      if (fault?.error === 'hang') {
        if (fault.applyFirst === true && route.operation === 'ChangeResourceRecordSets') this.#changeRecordSets(route.id ?? '', body);
        log(0, 'hang');
        this.#hanging.add(response);
        return;
      }
      if (fault?.error === 'html-200') {
        if (fault.applyFirst === true && route.operation === 'ChangeResourceRecordSets') this.#changeRecordSets(route.id ?? '', body);
        log(200, 'html-200');
        sendHtml(response, 200, HTML_PAGE);
        return;
      }
      if (fault?.error === 'cut-200') {
        const xml = this.#dispatch(route, url.searchParams, body);
        log(200, 'cut-200');
        sendCut(response, 200, xml);
        return;
      }
      if (fault !== undefined) throw faultError(fault.error, route.operation);
      const xml = this.#dispatch(route, url.searchParams, body);
      log(200);
      send(response, 200, xml);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalFailure', String(error), 'Receiver');
      log(apiError.status, apiError.code);
      send(response, apiError.status, errorEnvelope(apiError));
    }
  }

  #checkSignature(request: IncomingMessage, accessKeyId: string | undefined): void {
    const authorization = String(request.headers.authorization ?? '');
    if (!authorization.startsWith('AWS4-HMAC-SHA256 ') || !/\/route53\/aws4_request/.test(authorization)) {
      throw new ApiError(403, 'MissingAuthenticationToken', 'Missing Authentication Token');
    }
    if (this.expectedAccessKeyId !== undefined && accessKeyId !== this.expectedAccessKeyId) {
      throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
  }

  #faultFor(operation: Route53Operation): FakeFault | undefined {
    for (const fault of this.#faults) {
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (fault.remaining !== undefined) {
        if (fault.remaining <= 0) continue;
        fault.remaining -= 1;
        return fault;
      }
      if (fault.fraction !== undefined && this.#random() < fault.fraction) return fault;
    }
    return undefined;
  }

  /** Mulberry32: a seeded generator so that a "fraction" fault hits the same requests every run. */
  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) | 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  #dispatch(route: Route, query: URLSearchParams, body: string): string {
    switch (route.operation) {
      case 'ListHostedZonesByName':
        return this.#listHostedZonesByName(query);
      case 'GetHostedZone':
        return this.#getHostedZone(route.id ?? '');
      case 'ListResourceRecordSets':
        return this.#listResourceRecordSets(route.id ?? '', query);
      case 'ChangeResourceRecordSets':
        return this.#changeRecordSets(route.id ?? '', body);
      case 'GetChange':
        return this.#getChange(route.id ?? '');
    }
  }

  #zone(id: string): FakeZone {
    const zone = this.zones.get(id.replace(/^\/hostedzone\//, ''));
    if (zone === undefined) throw new ApiError(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
    return zone;
  }

  // ---- Operations ----

  #listHostedZonesByName(query: URLSearchParams): string {
    const dnsName = query.get('dnsname');
    const startId = query.get('hostedzoneid');
    if (startId && !dnsName) throw new ApiError(400, 'InvalidInput', 'The input is not valid: hostedzoneid requires dnsname');
    const maxItems = Math.min(Number(query.get('maxitems') ?? MAX_ZONES_PER_PAGE) || MAX_ZONES_PER_PAGE, MAX_ZONES_PER_PAGE);
    const sorted = [...this.zones.values()].sort((a, b) => compareStrings(reversedLabels(a.name), reversedLabels(b.name)) || compareStrings(a.id, b.id));
    const startKey = dnsName ? reversedLabels(route53Name(dnsName)) : '';
    const from = sorted.findIndex((zone) => {
      const order = compareStrings(reversedLabels(zone.name), startKey);
      return order > 0 || (order === 0 && (startId === null || compareStrings(zone.id, startId) >= 0));
    });
    const page = from < 0 ? [] : sorted.slice(from, from + maxItems);
    const next = from < 0 ? undefined : sorted[from + maxItems];
    return xmlDocument('ListHostedZonesByNameResponse', [
      el(
        'HostedZones',
        page.map((zone) => this.#hostedZoneXml(zone)),
      ),
      el('DNSName', dnsName ?? undefined),
      el('HostedZoneId', startId ?? undefined),
      el('IsTruncated', next !== undefined),
      el('NextDNSName', next?.name),
      el('NextHostedZoneId', next?.id),
      el('MaxItems', maxItems),
    ]);
  }

  #hostedZoneXml(zone: FakeZone): XmlNode {
    return el('HostedZone', [
      el('Id', `/hostedzone/${zone.id}`),
      el('Name', zone.name),
      el('CallerReference', zone.callerReference),
      el('Config', [el('PrivateZone', zone.private)]),
      el('ResourceRecordSetCount', zone.records.size),
    ]);
  }

  #getHostedZone(id: string): string {
    const zone = this.#zone(id);
    return xmlDocument('GetHostedZoneResponse', [
      this.#hostedZoneXml(zone),
      el('DelegationSet', [el('NameServers', [el('NameServer', 'ns-1.awsdns-01.org'), el('NameServer', 'ns-2.awsdns-02.co.uk')])]),
    ]);
  }

  #listResourceRecordSets(zoneId: string, query: URLSearchParams): string {
    const zone = this.#zone(zoneId);
    const name = query.get('name');
    const type = query.get('type');
    const identifier = query.get('identifier');
    if (type !== null && name === null) throw new ApiError(400, 'InvalidInput', 'The input is not valid: type requires name');
    if (identifier !== null && type === null) throw new ApiError(400, 'InvalidInput', 'The input is not valid: identifier requires type');
    const asked = Number(query.get('maxitems') ?? MAX_RECORD_SETS_PER_PAGE);
    const maxItems = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_RECORD_SETS_PER_PAGE) : MAX_RECORD_SETS_PER_PAGE;
    const sorted = [...zone.records.values()].sort(compareRecordSets);
    const start = name === null ? undefined : { name: route53Name(name), type: type ?? '', setIdentifier: identifier ?? '' };
    const from = start === undefined ? 0 : sorted.findIndex((set) => compareRecordSets({ ...set, setIdentifier: set.setIdentifier ?? '' }, start) >= 0);
    const page = from < 0 ? [] : sorted.slice(from, from + maxItems);
    const next = from < 0 ? undefined : sorted[from + maxItems];
    return xmlDocument('ListResourceRecordSetsResponse', [
      el('ResourceRecordSets', page.map(recordSetXml)),
      el('IsTruncated', next !== undefined),
      el('NextRecordName', next?.name),
      el('NextRecordType', next?.type),
      el('NextRecordIdentifier', next?.setIdentifier),
      el('MaxItems', maxItems),
    ]);
  }

  #changeRecordSets(zoneId: string, body: string): string {
    const zone = this.#zone(zoneId);
    let batch: XmlElement | undefined;
    try {
      batch = child(parseXml(body), 'ChangeBatch');
    } catch (error) {
      throw new ApiError(400, 'InvalidInput', `The XML you provided was not well-formed: ${String(error)}`);
    }
    const comment = textOf(batch, 'Comment');
    const changes = children(child(batch, 'Changes'), 'Change').map(parseChange);
    if (changes.length === 0) throw new ApiError(400, 'InvalidInput', "1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint");
    const logged = changes.map(
      (change): LoggedChange => ({
        action: change.action,
        name: change.set.name,
        type: change.set.type,
        ...(change.set.ttl !== undefined ? { ttl: change.set.ttl } : {}),
        values: change.set.values ?? [],
      }),
    );
    let records = 0;
    let valueChars = 0;
    for (const change of changes) {
      const weight = change.action === 'UPSERT' ? 2 : 1;
      for (const value of change.set.values ?? []) {
        records += weight;
        valueChars += weight * value.length;
      }
    }
    const refuse = (message: string): never => {
      this.batches.push({ zoneId: zone.id, ...(comment ? { comment } : {}), changes: logged, result: 'InvalidChangeBatch', message, records, valueChars });
      throw new ApiError(400, 'InvalidChangeBatch', message);
    };
    if (records > LIMIT_RECORDS) refuse(`[Number of records limit of ${LIMIT_RECORDS} exceeded.]`);
    if (valueChars > LIMIT_VALUE_CHARS) refuse(`[Number of characters limit of ${LIMIT_VALUE_CHARS} exceeded.]`);

    // Validate every change against a working copy, in order; apply only if all pass.
    const working = new Map(zone.records);
    const deletedInBatch = new Set<string>();
    const problems: string[] = [];
    for (const { action, set } of changes) {
      const problem = validateChange(zone, working, deletedInBatch, action, set);
      if (problem !== undefined) problems.push(problem);
    }
    if (problems.length > 0) refuse(`[${problems.join(', ')}]`);
    zone.records = working;

    const changeId = this.nextChangeInfo?.id ?? `C${String(this.#nextChange++).padStart(6, '0')}FAKE`;
    const submittedAt = this.nextChangeInfo?.submittedAt ?? new Date().toISOString();
    this.nextChangeInfo = undefined;
    this.#changes.set(changeId, { polls: 0, submittedAt, comment });
    this.batches.push({ zoneId: zone.id, ...(comment ? { comment } : {}), changes: logged, result: 'applied', changeId, records, valueChars });
    return xmlDocument('ChangeResourceRecordSetsResponse', [
      el('ChangeInfo', [el('Id', `/change/${changeId}`), el('Status', 'PENDING'), el('SubmittedAt', submittedAt), el('Comment', comment)]),
    ]);
  }

  #getChange(id: string): string {
    const changeId = id.replace(/^\/change\//, '');
    const change = this.#changes.get(changeId);
    if (change === undefined) throw new ApiError(404, 'NoSuchChange', `A change with the specified change ID does not exist: ${changeId}`);
    change.polls += 1;
    const status = change.polls > this.syncAfterPolls ? 'INSYNC' : 'PENDING';
    return xmlDocument('GetChangeResponse', [
      el('ChangeInfo', [el('Id', `/change/${changeId}`), el('Status', status), el('SubmittedAt', change.submittedAt), el('Comment', change.comment)]),
    ]);
  }
}

// ---- Change validation (Route 53's rules and messages) ---------------------------------------

interface ParsedChange {
  readonly action: string;
  readonly set: FakeRecordSet;
}

function parseChange(change: XmlElement): ParsedChange {
  const action = textOf(change, 'Action') ?? '';
  const rrset = child(change, 'ResourceRecordSet');
  const alias = child(rrset, 'AliasTarget');
  const ttl = textOf(rrset, 'TTL');
  const weight = textOf(rrset, 'Weight');
  const setIdentifier = textOf(rrset, 'SetIdentifier');
  const values = children(child(rrset, 'ResourceRecords'), 'ResourceRecord').map((record) => textOf(record, 'Value') ?? '');
  if (!['CREATE', 'DELETE', 'UPSERT'].includes(action)) throw new ApiError(400, 'InvalidInput', `Invalid action: ${action}`);
  return {
    action,
    set: {
      name: route53Name(textOf(rrset, 'Name') ?? ''),
      type: textOf(rrset, 'Type') ?? '',
      ...(ttl !== undefined ? { ttl: Number(ttl) } : {}),
      ...(values.length > 0 ? { values } : {}),
      ...(setIdentifier !== undefined ? { setIdentifier } : {}),
      ...(weight !== undefined ? { weight: Number(weight) } : {}),
      ...(alias !== undefined
        ? {
            aliasTarget: {
              hostedZoneId: textOf(alias, 'HostedZoneId') ?? '',
              dnsName: textOf(alias, 'DNSName') ?? '',
              evaluateTargetHealth: textOf(alias, 'EvaluateTargetHealth') === 'true',
            },
          }
        : {}),
    },
  };
}

/** Checks one change against the working copy and applies it there; returns Route 53's complaint, if any. */
function validateChange(zone: FakeZone, working: Map<string, FakeRecordSet>, deletedInBatch: Set<string>, action: string, set: FakeRecordSet): string | undefined {
  const described = `[name='${set.name}', type='${set.type}'${set.setIdentifier !== undefined ? `, set-identifier='${set.setIdentifier}'` : ''}]`;
  if (!isInZoneName(set.name, zone.name)) return `RRSet with DNS name ${set.name} is not permitted in zone ${zone.name}`;
  if (set.aliasTarget === undefined) {
    if (set.ttl === undefined)
      return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none in Change with [Action=${action}, Name=${set.name}, Type=${set.type}, SetIdentifier=${set.setIdentifier ?? 'null'}]`;
    if ((set.values ?? []).length === 0)
      return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found ResourceRecords empty in Change with [Action=${action}, Name=${set.name}, Type=${set.type}]`;
    for (const value of set.values ?? []) {
      if (set.type === 'A' && net.isIPv4(value) === false)
        return `[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${value}'']`;
      if (set.type === 'AAAA' && net.isIPv6(value) === false)
        return `[Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${value}'']`;
    }
  }
  const key = recordKey(set);
  const existing = working.get(key);
  if (action === 'DELETE') {
    if (existing === undefined) {
      return deletedInBatch.has(key)
        ? `The request contains an invalid set of changes for a resource record set '${set.type} ${set.name}'`
        : `Tried to delete resource record set ${described} but it was not found`;
    }
    if (!sameContent(existing, set)) return `Tried to delete resource record set ${described} but the values provided do not match the current values`;
    if (set.name === zone.name && (set.type === 'SOA' || set.type === 'NS')) return `A HostedZone must contain exactly one SOA record and at least one NS record.`;
    working.delete(key);
    deletedInBatch.add(key);
    return undefined;
  }
  if (action === 'CREATE' && existing !== undefined) return `Tried to create resource record set ${described} but it already exists`;
  const atName = [...working.values()].filter((other) => other.name === set.name && recordKey(other) !== key);
  const cname = atName.find((other) => other.type === 'CNAME');
  if (set.type !== 'CNAME' && cname !== undefined) {
    return `RRSet of type ${set.type} with DNS name ${set.name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${zone.name}`;
  }
  if (set.type === 'CNAME' && atName.length > 0) {
    return `RRSet of type CNAME with DNS name ${set.name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`;
  }
  const mixed = atName.find((other) => other.type === set.type && (other.setIdentifier === undefined) !== (set.setIdentifier === undefined));
  if (mixed !== undefined) return `RRSet with DNS name ${set.name}, type ${set.type} cannot be created as other RRSets exist with the same name and type.`;
  working.set(key, set);
  return undefined;
}

function sameContent(a: FakeRecordSet, b: FakeRecordSet): boolean {
  if ((a.aliasTarget === undefined) !== (b.aliasTarget === undefined)) return false;
  if (a.aliasTarget !== undefined && b.aliasTarget !== undefined) {
    return route53Name(a.aliasTarget.dnsName) === route53Name(b.aliasTarget.dnsName) && a.aliasTarget.hostedZoneId === b.aliasTarget.hostedZoneId;
  }
  const sortedA = [...(a.values ?? [])].sort();
  const sortedB = [...(b.values ?? [])].sort();
  return a.ttl === b.ttl && a.weight === b.weight && sortedA.length === sortedB.length && sortedA.every((v, i) => v === sortedB[i]);
}

// ---- Wire helpers ----------------------------------------------------------------------------

interface Route {
  readonly operation: Route53Operation;
  readonly id?: string;
}

function routeOf(method: string, path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== '2013-04-01') return undefined;
  const [, resource, id, sub] = parts;
  if (method === 'GET' && resource === 'hostedzonesbyname' && id === undefined) return { operation: 'ListHostedZonesByName' };
  if (resource === 'hostedzone' && id !== undefined) {
    if (method === 'GET' && sub === undefined) return { operation: 'GetHostedZone', id };
    if (method === 'GET' && sub === 'rrset') return { operation: 'ListResourceRecordSets', id };
    if (method === 'POST' && sub === 'rrset') return { operation: 'ChangeResourceRecordSets', id };
  }
  if (method === 'GET' && resource === 'change' && id !== undefined) return { operation: 'GetChange', id };
  return undefined;
}

function recordSetXml(set: FakeRecordSet): XmlNode {
  return el('ResourceRecordSet', [
    el('Name', set.name),
    el('Type', set.type),
    el('SetIdentifier', set.setIdentifier),
    el('Weight', set.weight),
    el(
      'AliasTarget',
      set.aliasTarget === undefined
        ? undefined
        : [el('HostedZoneId', set.aliasTarget.hostedZoneId), el('DNSName', set.aliasTarget.dnsName), el('EvaluateTargetHealth', set.aliasTarget.evaluateTargetHealth)],
    ),
    el('TTL', set.ttl),
    el('ResourceRecords', set.values === undefined ? undefined : set.values.map((value) => el('ResourceRecord', [el('Value', value)]))),
  ]);
}

function faultError(error: Exclude<FakeFault['error'], 'hang' | 'html-200' | 'cut-200'>, operation: Route53Operation): ApiError {
  switch (error) {
    case 'Throttling':
      return new ApiError(400, 'Throttling', 'Rate exceeded');
    case 'PriorRequestNotComplete':
      return new ApiError(400, 'PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.');
    case 'AccessDenied':
      return new ApiError(
        403,
        'AccessDenied',
        `User: arn:aws:iam::123456789012:user/apexsync is not authorized to perform: route53:${operation} because no identity-based policy allows the route53:${operation} action`,
      );
    case 'InternalFailure':
      return new ApiError(500, 'InternalFailure', 'An internal error occurred.', 'Receiver');
  }
}

/** The standard ErrorResponse envelope (the legacy <InvalidChangeBatch> root would parse as "Unknown"). */
function errorEnvelope(error: ApiError): string {
  return xmlDocument('ErrorResponse', [el('Error', [el('Type', error.type), el('Code', error.code), el('Message', error.message)]), el('RequestId', randomUUID())]);
}

function send(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(xml) });
  response.end(xml);
}

/** What a proxy or captive portal in front of Route 53 answers with. */
const HTML_PAGE = '<html><head><title>Sign in to continue</title></head><body><h1>Sign in to continue</h1></body></html>';

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
  response.end(html);
}

/** Announces the whole body, sends half of it, then resets the connection. */
function sendCut(response: ServerResponse, status: number, xml: string): void {
  const bytes = Buffer.from(xml);
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), 'content-length': bytes.length });
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.socket?.resetAndDestroy());
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
