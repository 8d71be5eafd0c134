import type { Family } from '../model.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { QueryEncoder } from './query.js';
import { inspectResponse, type DnsResponse } from './response.js';
import { exchangeTcp, TransportError } from './transport.js';
import type { UdpOutcome, UdpSocketPool } from './udp-pool.js';
import type { Upstream } from './upstream.js';

/** The outcome of asking the configured servers one question. */
export type QueryOutcome =
  | { readonly kind: 'answer'; readonly server: string; readonly response: DnsResponse }
  | { readonly kind: 'failure'; readonly reason: string };

/**
 * What every query of one resolver needs. A class, not an object literal, on purpose: V8 tracks
 * the hidden class of an object held in a literal's field, and the second resolver of a process
 * (whose pool and limiter have since evolved) then throws away the JIT-compiled query path;
 * fields set in a constructor are not tracked that way.
 */
export class QueryContext {
  constructor(
    readonly servers: readonly Upstream[],
    readonly timeoutMs: number,
    readonly attempts: number,
    readonly encoder: QueryEncoder,
    readonly udp: UdpSocketPool,
    readonly limiter: ConcurrencyLimiter,
  ) {}
}

/** Only these answer the question; any other rcode says something about the server, not the name. */
const FINAL_RCODES = new Set(['NOERROR', 'NXDOMAIN']);

/**
 * Asks the servers in order until one gives a final answer (NOERROR or NXDOMAIN). A server gets
 * `attempts` tries when it does not answer (timeout, network error); an error rcode (SERVFAIL,
 * REFUSED, FORMERR, NOTIMP, …) or an untrustworthy answer moves straight on to the next server,
 * since asking the same server again mostly repeats the same error. When every server fails, the
 * reason lists each one's failure.
 */
export async function queryServers(context: QueryContext, name: string, family: Family): Promise<QueryOutcome> {
  // Encoded once; every send stamps its own ID into a buffer of its own (see queryServer).
  const template = context.encoder.encode(name, family);
  if (template === undefined) return { kind: 'failure', reason: `cannot ask for ${name}: not a valid DNS name` };
  const failures: string[] = [];
  let first = true;
  for (const server of context.servers) {
    const outcome = await queryServer(context, server, name, template, first);
    if (outcome.kind === 'answer') return outcome;
    failures.push(outcome.reason);
    first = false;
  }
  return { kind: 'failure', reason: failures.length > 0 ? failures.join('; ') : 'no resolver servers configured' };
}

async function queryServer(context: QueryContext, server: Upstream, name: string, template: Uint8Array, firstUse: boolean): Promise<QueryOutcome> {
  const ignored = new Map<string, number>();
  let lastNetworkError: string | undefined;
  for (let attempt = 1; attempt <= context.attempts; attempt++) {
    // Each try is a new query with a new ID; the first may use the template itself, the others get
    // a copy, since an earlier send of the template might in theory still be queued.
    const query = firstUse && attempt === 1 ? template : template.slice();
    const wait = context.limiter.acquire();
    if (wait) await wait;
    let outcome: UdpOutcome;
    try {
      outcome = await context.udp.exchange(server, query, name, ignored);
    } finally {
      context.limiter.release();
    }
    if (outcome.kind === 'timeout') continue;
    if (outcome.kind === 'network') {
      lastNetworkError = outcome.message;
      continue;
    }
    const verdict = outcome.verdict;
    if (verdict.kind === 'invalid') return { kind: 'failure', reason: `${verdict.reason} from ${server.text}` };
    let response = verdict.response;
    if (response.truncated) {
      // RFC 7766: a truncated UDP answer is retried over TCP, where it must be complete.
      const overTcp = await queryOverTcp(context, server, name, query);
      if (overTcp.kind === 'retry') {
        lastNetworkError = overTcp.reason;
        continue;
      }
      if (overTcp.kind === 'failure') return overTcp;
      response = overTcp.response;
    }
    if (FINAL_RCODES.has(response.rcode)) return { kind: 'answer', server: server.text, response };
    return { kind: 'failure', reason: `${response.rcode} from ${server.text}` };
  }
  const tries = `${context.attempts} attempt${context.attempts === 1 ? '' : 's'}`;
  const noise = describeIgnored(ignored);
  if (lastNetworkError !== undefined) return { kind: 'failure', reason: `${lastNetworkError} (${tries}${noise})` };
  return { kind: 'failure', reason: `no answer from ${server.text} within ${context.timeoutMs} ms (${tries}${noise})` };
}

type TcpOutcome =
  | { readonly kind: 'response'; readonly response: DnsResponse }
  | { readonly kind: 'failure'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string };

/**
 * Over TCP the connection itself ties the answer to the query, so a mismatched or malformed
 * message is not someone else's noise to wait out: it is this server failing.
 */
async function queryOverTcp(context: QueryContext, server: Upstream, name: string, query: Uint8Array): Promise<TcpOutcome> {
  const where = server.text;
  let message: Buffer;
  try {
    message = await context.limiter.run(() => exchangeTcp(server.address, query, context.timeoutMs));
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { kind: 'retry', reason: `answer from ${where} truncated over UDP, and over TCP: ${error.message}` };
  }
  const verdict = inspectResponse(message, query, name);
  if (verdict.kind === 'ignored') return { kind: 'failure', reason: `answer over TCP from ${where} ignored: ${verdict.why}` };
  if (verdict.kind === 'invalid') return { kind: 'failure', reason: `${verdict.reason} over TCP from ${where}` };
  if (verdict.response.truncated) return { kind: 'failure', reason: `answer over TCP from ${where} is truncated` };
  return verdict;
}

function describeIgnored(ignored: ReadonlyMap<string, number>): string {
  if (ignored.size === 0) return '';
  const total = [...ignored.values()].reduce((sum, n) => sum + n, 0);
  const kinds = [...ignored].map(([why, n]) => (n === 1 ? why : `${why} ×${n}`)).join(', ');
  return `; ignored ${total} response${total === 1 ? '' : 's'}: ${kinds}`;
}
