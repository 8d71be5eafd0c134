import type { Change, RecordType } from '../../src/model.js';
import { AUTOMATIC_TTL, NOTHING_AT_NAME, type ExistingAtName } from './records.js';

/**
 * Record-level operations for Cloudflare, which stores one record per address. Planned per name
 * from the planner's RecordSet changes and the records as read (with their ids).
 */
export type Operation =
  | { readonly kind: 'patch'; readonly name: string; readonly family: RecordType; readonly id: string; readonly content: string; readonly ttl: number }
  | {
      readonly kind: 'post';
      readonly name: string;
      readonly family: RecordType;
      readonly content: string;
      readonly ttl: number;
      readonly proxied: boolean;
      readonly tags: readonly string[];
      readonly comment: string;
    }
  | { readonly kind: 'delete'; readonly name: string; readonly family: RecordType; readonly id: string };

/** Order of a name's operations when they are sent one by one: the name is never left empty. */
const SEND_ORDER: Record<Operation['kind'], number> = { patch: 0, post: 1, delete: 2 };

/** Cloudflare's comment limit on the Free plan. */
const COMMENT_MAX = 100;

/** The comment on records apexsync creates, so a person in the dashboard knows why they change. */
export function managedComment(name: string, target?: string): string {
  return `managed by apexsync: ${name}${target ? ` ← ${target}` : ''}`.slice(0, COMMENT_MAX);
}

/**
 * The operations that turn the records at each name into the changes' `after` sets, per name in
 * the order they must be sent one by one (patch → post → delete).
 *
 * Reconciliation: records whose address stays are kept (patched only for a TTL change); records
 * whose address goes are recycled by PATCHing their id to an address that comes (so their
 * proxied flag, comment and tags survive); only addresses left over are created, and only
 * records left over are deleted. A name going from two addresses to one different address is
 * therefore one PATCH and one DELETE, never a DELETE and a POST.
 */
export function planOperations(
  changes: readonly Change[],
  existingAt: (name: string) => ExistingAtName | undefined,
  targetOf: (name: string) => string | undefined = () => undefined,
): Map<string, Operation[]> {
  const byName = new Map<string, Operation[]>();
  for (const change of changes) {
    const existing = existingAt(change.name) ?? NOTHING_AT_NAME;
    const ops = byName.get(change.name) ?? [];
    ops.push(...familyOperations(change, existing, targetOf(change.name)));
    byName.set(change.name, ops);
  }
  for (const ops of byName.values()) ops.sort((a, b) => SEND_ORDER[a.kind] - SEND_ORDER[b.kind]);
  return byName;
}

function familyOperations(change: Change, existing: ExistingAtName, target: string | undefined): Operation[] {
  const { name, family } = change;
  const current = existing[family];
  const desired = change.after?.values ?? [];
  const ttl = change.after?.ttl ?? 0;
  const wanted = new Set(desired);
  const kept = current.filter((r) => wanted.has(r.content));
  const spare = current.filter((r) => !wanted.has(r.content));
  const present = new Set(kept.map((r) => r.content));
  const missing = desired.filter((v) => !present.has(v));

  const ops: Operation[] = [];
  for (const record of kept) {
    if (!record.proxied && record.ttl !== ttl) ops.push({ kind: 'patch', name, family, id: record.id, content: record.content, ttl });
  }
  const recycled = Math.min(spare.length, missing.length);
  for (let i = 0; i < recycled; i++) {
    const record = spare[i]!;
    ops.push({ kind: 'patch', name, family, id: record.id, content: missing[i]!, ttl: ttlFor(record.proxied, ttl) });
  }
  // New records take the proxied flag and tags of the name's records; HTTPS records are never proxied.
  const model = family === 'HTTPS' ? current[0] : (current[0] ?? existing[family === 'A' ? 'AAAA' : 'A'][0]);
  for (const content of missing.slice(recycled)) {
    const proxied = family === 'HTTPS' ? false : (model?.proxied ?? false);
    ops.push({ kind: 'post', name, family, content, ttl: ttlFor(proxied, ttl), proxied, tags: model?.tags ?? [], comment: managedComment(name, target) });
  }
  for (const record of spare.slice(recycled)) ops.push({ kind: 'delete', name, family, id: record.id });
  return ops;
}

/** A proxied record's TTL is automatic at Cloudflare: it is left so rather than fought every round. */
function ttlFor(proxied: boolean, ttl: number): number {
  return proxied ? AUTOMATIC_TTL : ttl;
}

/** Operations of several names, at most `size` per chunk (one batch request each). */
export interface Chunk {
  readonly entries: ReadonlyArray<{ readonly name: string; readonly ops: readonly Operation[] }>;
  readonly size: number;
}

/**
 * Packs names into chunks of at most `size` operations, in order, never splitting a name unless
 * the name alone has more than `size` operations; such a name is cut in send order, so its
 * patches and posts land in earlier chunks than its deletes and it never goes empty.
 */
export function chunkOperations(byName: ReadonlyMap<string, readonly Operation[]>, size: number): Chunk[] {
  const chunks: Chunk[] = [];
  let entries: Array<{ name: string; ops: readonly Operation[] }> = [];
  let count = 0;
  const flush = () => {
    if (entries.length > 0) chunks.push({ entries, size: count });
    entries = [];
    count = 0;
  };
  for (const [name, ops] of byName) {
    if (ops.length === 0) continue;
    if (ops.length > size) {
      flush();
      for (let i = 0; i < ops.length; i += size) chunks.push({ entries: [{ name, ops: ops.slice(i, i + size) }], size: Math.min(size, ops.length - i) });
      continue;
    }
    if (count + ops.length > size) flush();
    entries.push({ name, ops });
    count += ops.length;
  }
  flush();
  return chunks;
}
