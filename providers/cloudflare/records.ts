import { normalizeAddress, normalizeAddressSet } from '../../src/addresses.js';
import type { RecordSet, RecordSets, RecordType } from '../../src/model.js';
import { normalizeRecordValue } from '../../src/dns/record-values.js';
import { normalizeName } from '../../src/lib/names.js';

/**
 * Cloudflare's "automatic" TTL is stored as 1 (and served as 300 s). It is reported as stored: the
 * provider declares it as its `automatic` TTL, which the planner never counts as churn.
 */
export const AUTOMATIC_TTL = 1;

/** One A/AAAA/HTTPS record as read, with what must survive an update (id, proxied flag, comment, tags). */
export interface ExistingRecord {
  readonly id: string;
  readonly family: RecordType;
  /** Normalised address, or an HTTPS record's canonical presentation form. */
  readonly content: string;
  /** As stored: 1 means automatic. */
  readonly ttl: number;
  readonly proxied: boolean;
  readonly comment: string | null;
  readonly tags: readonly string[];
}

/** What Cloudflare holds at one name, as far as apexsync is concerned. */
export interface ExistingAtName {
  readonly A: readonly ExistingRecord[];
  readonly AAAA: readonly ExistingRecord[];
  readonly HTTPS: readonly ExistingRecord[];
  /** Something at the name apexsync must not write beside (a CNAME, a delegation). */
  readonly conflict?: string;
}

export const NOTHING_AT_NAME: ExistingAtName = { A: [], AAAA: [], HTTPS: [] };

/** The fields of a listed record that apexsync reads (a structural view of the SDK's record union). */
export interface ListedRecord {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly content?: unknown;
  /** HTTPS: the structured form (priority, target, SvcParams as presentation text). */
  readonly data?: unknown;
  readonly ttl?: number;
  readonly proxied?: boolean;
  readonly comment?: string | null;
  readonly tags?: readonly string[];
}

/**
 * Groups listed records by owner name, keeping only `names`. A/AAAA records are kept (with an
 * invalid content reported through `onInvalid`); a CNAME at the name, or a delegation (NS below
 * the apex), is a conflict.
 */
export function groupByName(records: Iterable<ListedRecord>, names: readonly string[], zone: string, onInvalid: (record: ListedRecord) => void): Map<string, ExistingAtName> {
  const wanted = new Set(names);
  const found = new Map<string, { A: ExistingRecord[]; AAAA: ExistingRecord[]; HTTPS: ExistingRecord[]; conflict?: string }>();
  const at = (name: string) => {
    let entry = found.get(name);
    if (!entry) {
      entry = { A: [], AAAA: [], HTTPS: [] };
      found.set(name, entry);
    }
    return entry;
  };
  for (const record of records) {
    const name = normalizeName(record.name);
    if (!wanted.has(name)) continue;
    if (record.type === 'A' || record.type === 'AAAA' || record.type === 'HTTPS') {
      const content = record.type === 'HTTPS' ? httpsContent(record) : typeof record.content === 'string' ? normalizeAddress(record.type, record.content) : undefined;
      if (content === undefined) {
        onInvalid(record);
        continue;
      }
      at(name)[record.type].push({
        id: record.id,
        family: record.type,
        content,
        ttl: record.ttl ?? AUTOMATIC_TTL,
        proxied: record.proxied ?? false,
        comment: record.comment ?? null,
        tags: record.tags ?? [],
      });
    } else if (record.type === 'CNAME') {
      at(name).conflict = `a CNAME record (to ${String(record.content)})`;
    } else if (record.type === 'NS' && name !== zone) {
      at(name).conflict ??= `an NS record (the name is delegated to ${String(record.content)})`;
    }
  }
  return new Map(names.map((name) => [name, found.get(name) ?? NOTHING_AT_NAME]));
}

/**
 * An HTTPS record's canonical presentation form, from its structured `data` (what the API is
 * documented to return) or else its `content` text; undefined when neither parses.
 */
function httpsContent(record: ListedRecord): string | undefined {
  const data = record.data;
  if (typeof data === 'object' && data !== null) {
    const { priority, target, value } = data as { priority?: unknown; target?: unknown; value?: unknown };
    if (typeof priority === 'number' && typeof target === 'string') {
      const fqdn = target === '.' || target.endsWith('.') ? target : `${target}.`;
      return normalizeRecordValue('HTTPS', `${priority} ${fqdn}${typeof value === 'string' && value !== '' ? ` ${value}` : ''}`);
    }
  }
  return typeof record.content === 'string' ? normalizeRecordValue('HTTPS', record.content) : undefined;
}

/** The planner's view: one RecordSet per type (lowest TTL of the set), plus any conflict. */
export function toRecordSets(existing: ExistingAtName): RecordSets {
  const set = (family: RecordType): RecordSet | undefined => {
    const records = existing[family];
    if (records.length === 0) return undefined;
    const contents = records.map((r) => r.content);
    return {
      ttl: Math.min(...records.map((record) => record.ttl)),
      values: family === 'HTTPS' ? [...new Set(contents)].sort() : normalizeAddressSet(family, contents),
    };
  };
  const A = set('A');
  const AAAA = set('AAAA');
  const HTTPS = set('HTTPS');
  return {
    ...(A ? { A } : {}),
    ...(AAAA ? { AAAA } : {}),
    ...(HTTPS ? { HTTPS } : {}),
    ...(existing.conflict !== undefined ? { conflict: existing.conflict } : {}),
  };
}
