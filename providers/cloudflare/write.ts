import type Cloudflare from 'cloudflare';
import type { Logger } from 'pino';
import type { ApplyOutcome } from '../../src/model.js';
import { classifyFailure, failedWriteOutcome, isMissingEndpoint, type CallFailure } from './errors.js';
import { chunkOperations, type Chunk, type Operation } from './operations.js';
import { batchAnswerProblem, recordAnswerProblem } from './write-confirm.js';
import { NO_SDK_RETRY, sendWrite } from './write-retry.js';

export interface WriteTarget {
  readonly client: Cloudflare;
  readonly zoneId: string;
  readonly zone: string;
  readonly batchSize: number;
  readonly logger: Logger;
  /** Shared per provider instance: once the batch route answers 404, calls go one by one. */
  readonly batchRoute: { available: boolean };
}

/**
 * Sends the operations of one zone: one `dns_records/batch` request per chunk (Cloudflare runs
 * it as one transaction: all or nothing), or, where that route does not exist, one call per
 * operation in each name's send order (patch → post → delete). Returns one outcome per name.
 * An operation counts as done only when Cloudflare's answer confirms it (`write-confirm.ts`): a
 * 2xx that does not is "could not confirm", as a timeout is.
 */
export async function writeOperations(target: WriteTarget, byName: ReadonlyMap<string, readonly Operation[]>): Promise<Map<string, ApplyOutcome>> {
  const progress = new Map<string, NameProgress>();
  for (const [name, ops] of byName) progress.set(name, { total: ops.length, done: 0, outcome: undefined });
  /** An auth or rate-limit failure stops the zone: the remaining chunks would fail the same way. */
  let stopped: CallFailure | undefined;

  for (const chunk of chunkOperations(byName, target.batchSize)) {
    // A name whose earlier piece failed sends nothing more (its deletes must not run alone).
    const entries = chunk.entries.filter((e) => progress.get(e.name)!.outcome === undefined);
    if (entries.length === 0) continue;
    if (stopped) {
      for (const e of entries) fail(progress, e.name, stopped);
      continue;
    }
    const pending: Chunk = { entries, size: entries.reduce((n, e) => n + e.ops.length, 0) };
    if (target.batchRoute.available) {
      const failure = await sendBatch(target, pending);
      if (failure === 'route-missing') {
        target.batchRoute.available = false;
        target.logger.warn({ zone: target.zone }, 'the Cloudflare batch endpoint is not available; sending changes one by one (update → create → delete)');
      } else {
        for (const e of entries) {
          if (failure) fail(progress, e.name, failure);
          else progress.get(e.name)!.done += e.ops.length;
        }
        if (failure && (failure.kind === 'auth' || failure.kind === 'rate-limit')) stopped = failure;
        continue;
      }
    }
    for (const e of entries) {
      const failure = await sendOneByOne(target, e.ops, progress.get(e.name)!);
      if (failure) {
        fail(progress, e.name, failure);
        if (failure.kind === 'auth' || failure.kind === 'rate-limit') stopped = failure;
      }
    }
  }

  const outcomes = new Map<string, ApplyOutcome>();
  for (const [name, p] of progress) outcomes.set(name, p.outcome ?? { status: 'applied' });
  return outcomes;
}

interface NameProgress {
  readonly total: number;
  /** Operations confirmed by Cloudflare. */
  done: number;
  outcome: ApplyOutcome | undefined;
}

/** Records the failure of a name: "not applied" if nothing of it was done yet, else partial. */
function fail(progress: Map<string, NameProgress>, name: string, failure: CallFailure): void {
  const p = progress.get(name)!;
  p.outcome =
    p.done === 0
      ? failedWriteOutcome(failure)
      : { status: 'unconfirmed', kind: failure.kind, message: `partly applied (${p.done} of ${p.total} record operations done), then: ${failure.message}` };
}

/**
 * What a write sends about a record: its address as `content` (A, AAAA), or for HTTPS the
 * structured `data` Cloudflare takes (its `content` is only the read-back text).
 */
type RecordBody =
  | { type: 'A' | 'AAAA'; name: string; content: string; ttl: number }
  | { type: 'HTTPS'; name: string; data: { priority: number; target: string; value: string }; ttl: number };

function recordBody(op: Extract<Operation, { kind: 'patch' | 'post' }>): RecordBody {
  if (op.family !== 'HTTPS') return { type: op.family, name: op.name, content: op.content, ttl: op.ttl };
  const [priority = '1', target = '.', ...params] = op.content.split(' ');
  return { type: 'HTTPS', name: op.name, data: { priority: Number(priority), target, value: params.join(' ') }, ttl: op.ttl };
}

/** One batch request. Resolves to undefined on success, else the failure (for every name in it). */
async function sendBatch(target: WriteTarget, chunk: Chunk): Promise<CallFailure | 'route-missing' | undefined> {
  const ops = chunk.entries.flatMap((e) => e.ops);
  const deletes: Array<{ id: string }> = [];
  const patches: Array<{ id: string } & RecordBody> = [];
  const posts: Array<RecordBody & { proxied: boolean; comment: string; tags: string[] }> = [];
  // A PATCH carries only the address and TTL (with the name and type the API requires), so what a
  // person set on the record (proxied flag, comment, tags) stays as it is.
  for (const op of ops) {
    if (op.kind === 'delete') deletes.push({ id: op.id });
    else if (op.kind === 'patch') patches.push({ id: op.id, ...recordBody(op) });
    else posts.push({ ...recordBody(op), proxied: op.proxied, comment: op.comment, tags: [...op.tags] });
  }
  const scope = chunk.entries.length > 1 ? ` (batch of ${chunk.entries.length} names, ${ops.length} record operations)` : '';
  let answer: { data: unknown; response: Response };
  try {
    answer = await sendWrite(() =>
      target.client.dns.records
        .batch(
          {
            zone_id: target.zoneId,
            ...(deletes.length > 0 ? { deletes } : {}),
            ...(patches.length > 0 ? { patches } : {}),
            ...(posts.length > 0 ? { posts } : {}),
          },
          NO_SDK_RETRY,
        )
        .withResponse(),
    );
  } catch (error) {
    if (isMissingEndpoint(error)) return 'route-missing';
    const failure = classifyFailure(error, 'write', target.zone);
    return { ...failure, message: `${failure.message}${scope}` };
  }
  // A 2xx that is not the batch's result (an HTML page from something in between) may or may not
  // have been carried out: "could not confirm", never "applied".
  const problem = batchAnswerProblem(answer.data, { deletes: deletes.map((d) => d.id), patches: patches.map((p) => p.id), posts: posts.length });
  if (problem !== undefined) return unconfirmedAnswer(answer.response, 'the batch', `${problem}${scope}`);
  target.logger.debug({ zone: target.zone, deletes: deletes.length, patches: patches.length, posts: posts.length }, 'batch applied');
  return undefined;
}

/** A name's operations, one call each in send order; stops at the first failure. */
async function sendOneByOne(target: WriteTarget, ops: readonly Operation[], progress: NameProgress): Promise<CallFailure | undefined> {
  const { client, zoneId } = target;
  for (const op of ops) {
    let answer: { data: unknown; response: Response };
    try {
      answer = await sendWrite((): Promise<{ data: unknown; response: Response }> => {
        switch (op.kind) {
          case 'patch':
            return client.dns.records.edit(op.id, { zone_id: zoneId, ...recordBody(op) }, NO_SDK_RETRY).withResponse();
          case 'post':
            return client.dns.records.create({ zone_id: zoneId, ...recordBody(op), proxied: op.proxied, comment: op.comment, tags: [...op.tags] }, NO_SDK_RETRY).withResponse();
          case 'delete':
            return client.dns.records.delete(op.id, { zone_id: zoneId }, NO_SDK_RETRY).withResponse();
        }
      });
    } catch (error) {
      return classifyFailure(error, 'write', target.zone);
    }
    const problem = recordAnswerProblem(op, answer.data);
    if (problem !== undefined)
      return unconfirmedAnswer(answer.response, `the ${CALL_NAME[op.kind]} of ${op.family} record ${op.kind === 'delete' ? op.id : op.content} at ${op.name}`, problem);
    progress.done += 1;
  }
  return undefined;
}

const CALL_NAME: Record<Operation['kind'], string> = { patch: 'update (PATCH)', post: 'creation (POST)', delete: 'deletion (DELETE)' };

/** A 2xx answer that does not confirm the write: it may or may not have been carried out. */
function unconfirmedAnswer(response: Response, what: string, problem: string): CallFailure {
  const type = response.headers.get('content-type') ?? 'no content-type';
  return { kind: 'unconfirmed', message: `Cloudflare's answer to ${what} (HTTP ${response.status}, ${type}) does not confirm it: ${problem}`, maybeApplied: true };
}
