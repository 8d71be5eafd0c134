import type { Operation } from './operations.js';

/**
 * Checks that a write's 2xx answer is Cloudflare confirming what was sent. The SDK unwraps the v4
 * envelope's `result` from whatever came back: from an HTML page (a proxy, a captive portal, a
 * maintenance page answered with 200) that is `undefined`, and treating it as success would
 * report "applied" for a change that was never made. Each function returns why the answer does
 * not confirm the write, or undefined when it does.
 */

/** What one batch request sent, per list of the batch body. */
export interface BatchSent {
  readonly deletes: readonly string[];
  readonly patches: readonly string[];
  readonly posts: number;
}

const LISTS = ['deletes', 'patches', 'puts', 'posts'] as const;

/**
 * A batch is confirmed by `result.{deletes,patches,puts,posts}`: one record with an id per
 * operation sent in that list (a list with nothing sent may be absent or empty), and the ids of
 * the deleted and patched records being the ids sent.
 */
export function batchAnswerProblem(result: unknown, sent: BatchSent): string | undefined {
  if (!isObject(result)) return `the answer holds no batch result (${describe(result)})`;
  const expected: Record<(typeof LISTS)[number], number> = { deletes: sent.deletes.length, patches: sent.patches.length, puts: 0, posts: sent.posts };
  for (const list of LISTS) {
    const items = result[list];
    if (expected[list] === 0 && (items === undefined || items === null || (Array.isArray(items) && items.length === 0))) continue;
    if (!Array.isArray(items)) return `"${list}" is not a list in the answer`;
    if (items.length !== expected[list]) return `"${list}" lists ${items.length} records for ${expected[list]} sent`;
    if (!items.every((item) => idOf(item) !== undefined)) return `"${list}" holds a record without an id`;
  }
  for (const list of ['deletes', 'patches'] as const) {
    if (sent[list].length === 0) continue;
    const returned = new Set((result[list] as unknown[]).map(idOf));
    const missing = sent[list].find((id) => !returned.has(id));
    if (missing !== undefined) return `"${list}" does not list the record ${missing} that was sent`;
  }
  return undefined;
}

/** A single call is confirmed by the record (PATCH, POST) or `{id}` (DELETE) it answers with. */
export function recordAnswerProblem(op: Operation, result: unknown): string | undefined {
  const id = idOf(result);
  if (id === undefined) return `the answer holds no record id (${describe(result)})`;
  if (op.kind !== 'post' && id !== op.id) return `the answer is about record ${id}, not ${op.id}`;
  return undefined;
}

function idOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  return typeof value.id === 'string' && value.id !== '' ? value.id : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A few words on what came instead, never the body itself (it could be large, or echo anything). */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
