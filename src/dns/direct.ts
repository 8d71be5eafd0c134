import dgram from 'node:dgram';
import net from 'node:net';
import { normalizeName } from '../lib/names.js';
import { QueryEncoder, randomUint16 } from './query.js';
import { type AcceptedVerdict, type AnswerRecord, inspectResponse, readResponseTo } from './response.js';
import { formatServerAddress, type ServerAddress } from './server-address.js';
import { exchangeTcp, TransportError } from './tcp.js';

export type DirectQueryType = 'A' | 'AAAA' | 'NS';

/** One record of the answer section at the asked name: addresses normalised, names normalised. */
export interface DirectRecord {
  readonly type: 'A' | 'AAAA' | 'CNAME' | 'NS';
  readonly ttl: number;
  readonly data: string;
}

export type DirectAnswer =
  | {
      readonly kind: 'answer';
      readonly rcode: string;
      /** The AA bit: the server answered from a zone it holds. */
      readonly authoritative: boolean;
      readonly records: readonly DirectRecord[];
    }
  | { readonly kind: 'failure'; readonly reason: string };

export interface DirectQueryOptions {
  readonly timeoutMs: number;
  /** RD bit; false asks an authoritative server what it holds itself. Default false. */
  readonly recursion?: boolean;
  /** 'tcp' for a server reached over TCP only (an RFC 2136 primary behind a firewall); default UDP. */
  readonly transport?: 'udp' | 'tcp';
}

/** Queries as the served-state check sends them, with and without RD; EDNS0 so answers are not cut at 512 bytes. */
const ENCODERS = {
  authoritative: new QueryEncoder({ recursionDesired: false, ednsOptions: [] }),
  recursive: new QueryEncoder({ recursionDesired: true, ednsOptions: [] }),
};

/**
 * Asks one server one question, once: UDP from a fresh socket (a new random port) with a random
 * ID, TCP when the answer is truncated (or TCP only, when asked to). Unlike the resolver, no other
 * server is tried and no chain is followed: this is for asking a zone's own servers what they
 * serve. Answers are read by the one codec (src/dns/response.ts), so they are checked and their
 * names escaped as the resolver's are. Never throws.
 */
export async function askServer(server: ServerAddress, name: string, type: DirectQueryType, options: DirectQueryOptions): Promise<DirectAnswer> {
  const qname = normalizeName(name);
  const template = (options.recursion === true ? ENCODERS.recursive : ENCODERS.authoritative).encode(qname, type);
  if (template === undefined) return { kind: 'failure', reason: `cannot ask for ${qname}: not a valid DNS name` };
  const query = Buffer.from(template);
  query.writeUInt16BE(randomUint16(), 0);
  const where = formatServerAddress(server);
  try {
    let verdict =
      options.transport === 'tcp'
        ? readResponseTo(await exchangeTcp(server, query, options.timeoutMs), query, qname, undefined)
        : await exchangeUdp(server, query, qname, options.timeoutMs);
    if (verdict.kind === 'response' && verdict.response.truncated) verdict = readResponseTo(await exchangeTcp(server, query, options.timeoutMs), query, qname, undefined);
    if (verdict.kind === 'ignored') return { kind: 'failure', reason: `${where}: ${verdict.why}` };
    if (verdict.kind === 'invalid') return { kind: 'failure', reason: `${where}: ${verdict.reason}` };
    const { rcode, authoritative, answers } = verdict.response;
    return { kind: 'answer', rcode, authoritative, records: answerRecords(answers, qname) };
  } catch (error) {
    if (error instanceof TransportError) return { kind: 'failure', reason: error.message };
    return { kind: 'failure', reason: `${where}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Waits for the first message from the server that answers this query (the codec's checks); others are noise. */
function exchangeUdp(server: ServerAddress, query: Buffer, qname: string, timeoutMs: number): Promise<AcceptedVerdict> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (error: Error | null, verdict?: AcceptedVerdict): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(verdict!);
    };
    const timer = setTimeout(() => finish(new TransportError('timeout', `no answer from ${formatServerAddress(server)} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => finish(new TransportError('network', `${formatServerAddress(server)}: ${e.message}`)));
    socket.on('message', (message, from) => {
      if (from.port !== server.port || normalizeHost(from.address) !== normalizeHost(server.host)) return;
      const verdict = inspectResponse(message, query, qname, undefined);
      if (verdict.kind !== 'ignored') finish(null, verdict);
    });
    socket.send(query, server.port, server.host, (e) => {
      if (e) finish(new TransportError('network', `${formatServerAddress(server)}: ${e.message}`));
    });
  });
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^::ffff:/, '');
}

/** The records at the asked name that the check uses (addresses and names come normalised from the codec). */
function answerRecords(answers: readonly AnswerRecord[], qname: string): DirectRecord[] {
  const records: DirectRecord[] = [];
  for (const answer of answers) {
    if (answer.name !== qname || answer.type === 'HTTPS') continue;
    records.push({ type: answer.type, ttl: answer.ttl, data: answer.data });
  }
  return records;
}
