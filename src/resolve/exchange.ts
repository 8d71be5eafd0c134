import type { QueryEncoder } from '../dns/query.js';
import { inspectResponse, type DnsResponse } from '../dns/response.js';
import { exchangeTcp, TransportError } from '../dns/tcp.js';
import type { ChainType } from './chain.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { ResolutionFailureKind } from './types.js';
import type { UdpOutcome, UdpSocketPool } from './udp-pool.js';
import type { Upstream } from './upstream.js';

/** The outcome of asking the configured servers one question. */
export type QueryOutcome =
  | { readonly kind: 'answer'; readonly server: string; readonly response: DnsResponse }
  | { readonly kind: 'failure'; readonly reason: string; readonly cause: ResolutionFailureKind };

type Failure = Extract<QueryOutcome, { kind: 'failure' }>;

/**
 * What every query of one resolver needs. A class, not an object literal: see "Steady object shapes"
 * in docs/design/wire-codec.md.
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
/** What an error rcode says about the server, for the failure's cause. */
const RCODE_CAUSES: ReadonlyMap<string, ResolutionFailureKind> = new Map([
  ['SERVFAIL', 'servfail'],
  ['REFUSED', 'refused'],
]);

/**
 * Asks the servers in order until one gives a final answer (NOERROR or NXDOMAIN). A server gets
 * `attempts` tries when it does not answer (timeout, network error); an error rcode (SERVFAIL,
 * REFUSED, FORMERR, NOTIMP, …) or an untrustworthy answer moves straight on to the next server,
 * since asking the same server again mostly repeats the same error. When every server fails, the
 * reason lists each one's failure.
 */
export async function queryServers(context: QueryContext, name: string, family: ChainType): Promise<QueryOutcome> {
  // Encoded once; every send stamps its own ID into a buffer of its own (see queryServer).
  const template = context.encoder.encode(name, family);
  // Only a name from an answer can get here (targets are checked before): the answer is at fault.
  if (template === undefined) return { kind: 'failure', reason: `cannot ask for ${name}: not a valid DNS name`, cause: 'malformed' };
  const failures: Failure[] = [];
  let first = true;
  for (const server of context.servers) {
    const outcome = await queryServer(context, server, name, template, first);
    if (outcome.kind === 'answer') return outcome;
    failures.push(outcome);
    first = false;
  }
  if (failures.length === 0) return { kind: 'failure', reason: 'no resolver servers configured', cause: 'error' };
  // The first server's failure names the kind: it is the one asked first, and mostly the one used.
  return { kind: 'failure', reason: failures.map((failure) => failure.reason).join('; '), cause: failures[0]!.cause };
}

async function queryServer(context: QueryContext, server: Upstream, name: string, template: Uint8Array, firstUse: boolean): Promise<QueryOutcome> {
  const ignored = new Map<string, number>();
  let lastNetworkError: Failure | undefined;
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
      // Mostly "connection refused" (an ICMP port unreachable): the server is not there.
      lastNetworkError = { kind: 'failure', reason: outcome.message, cause: 'unreachable' };
      continue;
    }
    const verdict = outcome.verdict;
    if (verdict.kind === 'invalid') return { kind: 'failure', reason: `${verdict.reason} from ${server.text}`, cause: 'malformed' };
    let response = verdict.response;
    if (response.truncated) {
      // RFC 7766: a truncated UDP answer is retried over TCP, where it must be complete.
      const overTcp = await queryOverTcp(context, server, name, query);
      if (overTcp.kind === 'retry') {
        lastNetworkError = { kind: 'failure', reason: overTcp.reason, cause: overTcp.cause };
        continue;
      }
      if (overTcp.kind === 'failure') return overTcp;
      response = overTcp.response;
    }
    if (FINAL_RCODES.has(response.rcode)) return { kind: 'answer', server: server.text, response };
    return { kind: 'failure', reason: `${response.rcode} from ${server.text}`, cause: RCODE_CAUSES.get(response.rcode) ?? 'error' };
  }
  const tries = `${context.attempts} attempt${context.attempts === 1 ? '' : 's'}`;
  const noise = describeIgnored(ignored);
  // A network error says more than the timeouts of other tries, and keeps its own cause.
  if (lastNetworkError !== undefined) return { ...lastNetworkError, reason: `${lastNetworkError.reason} (${tries}${noise})` };
  return { kind: 'failure', reason: `no answer from ${server.text} within ${context.timeoutMs} ms (${tries}${noise})`, cause: 'timeout' };
}

type TcpOutcome =
  | { readonly kind: 'response'; readonly response: DnsResponse }
  | { readonly kind: 'failure'; readonly reason: string; readonly cause: ResolutionFailureKind }
  | { readonly kind: 'retry'; readonly reason: string; readonly cause: ResolutionFailureKind };

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
    return { kind: 'retry', reason: `answer from ${where} truncated over UDP, and over TCP: ${error.message}`, cause: error.kind === 'timeout' ? 'timeout' : 'unreachable' };
  }
  const verdict = inspectResponse(message, query, name, context.encoder.clientSubnet);
  if (verdict.kind === 'ignored') return { kind: 'failure', reason: `answer over TCP from ${where} ignored: ${verdict.why}`, cause: 'malformed' };
  if (verdict.kind === 'invalid') return { kind: 'failure', reason: `${verdict.reason} over TCP from ${where}`, cause: 'malformed' };
  if (verdict.response.truncated) return { kind: 'failure', reason: `answer over TCP from ${where} is truncated`, cause: 'malformed' };
  return verdict;
}

function describeIgnored(ignored: ReadonlyMap<string, number>): string {
  if (ignored.size === 0) return '';
  const total = [...ignored.values()].reduce((sum, n) => sum + n, 0);
  const kinds = [...ignored].map(([why, n]) => (n === 1 ? why : `${why} ×${n}`)).join(', ');
  return `; ignored ${total} response${total === 1 ? '' : 's'}: ${kinds}`;
}
