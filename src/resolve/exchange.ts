import type { PacketOpt } from 'dns-packet';
import type { Family } from '../model.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { encodeQuery, randomQueryId } from './query.js';
import { inspectResponse, type DnsResponse, type ResponseVerdict } from './response.js';
import { exchangeTcp, exchangeUdp, formatServerAddress, TransportError, type ServerAddress } from './transport.js';

/** The outcome of asking the configured servers one question. */
export type QueryOutcome =
  | { readonly kind: 'answer'; readonly server: string; readonly response: DnsResponse }
  | { readonly kind: 'failure'; readonly reason: string };

export interface QueryContext {
  readonly servers: readonly ServerAddress[];
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly ednsOptions: readonly PacketOpt[];
  readonly limiter: ConcurrencyLimiter;
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
  const failures: string[] = [];
  for (const server of context.servers) {
    const outcome = await queryServer(context, server, name, family);
    if (outcome.kind === 'answer') return outcome;
    failures.push(outcome.reason);
  }
  return { kind: 'failure', reason: failures.length > 0 ? failures.join('; ') : 'no resolver servers configured' };
}

async function queryServer(context: QueryContext, server: ServerAddress, name: string, family: Family): Promise<QueryOutcome> {
  const where = formatServerAddress(server);
  const ignored = new Map<string, number>();
  let lastNetworkError: string | undefined;
  for (let attempt = 1; attempt <= context.attempts; attempt++) {
    const query = encodeQuery(randomQueryId(), name, family, context.ednsOptions);
    // Set by the accept callback: the verdict on the message that exchangeUdp resolved with.
    const accepted: { verdict?: Exclude<ResponseVerdict, { kind: 'ignored' }> } = {};
    try {
      await context.limiter.run(() =>
        exchangeUdp(server, query, context.timeoutMs, (message) => {
          const candidate = inspectResponse(message, query);
          if (candidate.kind === 'ignored') {
            ignored.set(candidate.why, (ignored.get(candidate.why) ?? 0) + 1);
            return false;
          }
          accepted.verdict = candidate;
          return true;
        }),
      );
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      if (error.kind === 'network') lastNetworkError = error.message;
      continue;
    }
    const verdict = accepted.verdict;
    if (verdict === undefined) continue; // unreachable: exchangeUdp resolves only after accept() took a message
    if (verdict.kind === 'invalid') return { kind: 'failure', reason: `${verdict.reason} from ${where}` };
    let response = verdict.response;
    if (response.truncated) {
      // RFC 7766: a truncated UDP answer is retried over TCP, where it must be complete.
      const overTcp = await queryOverTcp(context, server, query);
      if (overTcp.kind === 'retry') {
        lastNetworkError = overTcp.reason;
        continue;
      }
      if (overTcp.kind === 'failure') return overTcp;
      response = overTcp.response;
    }
    if (FINAL_RCODES.has(response.rcode)) return { kind: 'answer', server: where, response };
    return { kind: 'failure', reason: `${response.rcode} from ${where}` };
  }
  const tries = `${context.attempts} attempt${context.attempts === 1 ? '' : 's'}`;
  const noise = describeIgnored(ignored);
  if (lastNetworkError !== undefined) return { kind: 'failure', reason: `${lastNetworkError} (${tries}${noise})` };
  return { kind: 'failure', reason: `no answer from ${where} within ${context.timeoutMs} ms (${tries}${noise})` };
}

type TcpOutcome =
  | { readonly kind: 'response'; readonly response: DnsResponse }
  | { readonly kind: 'failure'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string };

/**
 * Over TCP the connection itself ties the answer to the query, so a mismatched or malformed
 * message is not someone else's noise to wait out: it is this server failing.
 */
async function queryOverTcp(context: QueryContext, server: ServerAddress, query: Buffer): Promise<TcpOutcome> {
  const where = formatServerAddress(server);
  let message: Buffer;
  try {
    message = await context.limiter.run(() => exchangeTcp(server, query, context.timeoutMs));
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { kind: 'retry', reason: `answer from ${where} truncated over UDP, and over TCP: ${error.message}` };
  }
  const verdict = inspectResponse(message, query);
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
