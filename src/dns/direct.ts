import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { normalizeAddress } from '../addresses.js';
import { normalizeName } from '../lib/names.js';
import { EDNS_UDP_PAYLOAD_SIZE, randomUint16 } from './query.js';
import { rcodeName } from './rcode.js';
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

const FLAG_RD = 0x0100;

/**
 * Asks one server one question, once: UDP from a fresh socket (a new random port) with a random
 * ID, TCP when the answer is truncated (or TCP only, when asked to). Unlike the resolver, no other server is tried and no
 * chain is followed: this is for asking a zone's own servers what they serve. Never throws.
 */
export async function askServer(server: ServerAddress, name: string, type: DirectQueryType, options: DirectQueryOptions): Promise<DirectAnswer> {
  const qname = normalizeName(name);
  const id = randomUint16();
  let query: Buffer;
  try {
    query = dnsPacket.encode({
      type: 'query',
      id,
      flags: options.recursion === true ? FLAG_RD : 0,
      questions: [{ type, name: qname, class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
  } catch {
    return { kind: 'failure', reason: `cannot ask for ${qname}: not a valid DNS name` };
  }
  const where = formatServerAddress(server);
  try {
    let message = options.transport === 'tcp' ? await exchangeTcp(server, query, options.timeoutMs) : await exchangeUdp(server, query, qname, type, options.timeoutMs);
    let packet = decodeMatching(message, id, qname, type);
    if (typeof packet !== 'string' && packet.flag_tc) {
      message = await exchangeTcp(server, query, options.timeoutMs);
      packet = decodeMatching(message, id, qname, type);
    }
    if (typeof packet === 'string') return { kind: 'failure', reason: `${where}: ${packet}` };
    return {
      kind: 'answer',
      rcode: rcodeName((packet.flags ?? 0) & 0x000f),
      authoritative: packet.flag_aa,
      records: answerRecords(packet, qname),
    };
  } catch (error) {
    if (error instanceof TransportError) return { kind: 'failure', reason: error.message };
    return { kind: 'failure', reason: `${where}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Waits for the first message from the server that answers this query; others are noise. */
function exchangeUdp(server: ServerAddress, query: Buffer, qname: string, type: DirectQueryType, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    let done = false;
    const finish = (error: Error | null, message?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(message!);
    };
    const timer = setTimeout(() => finish(new TransportError('timeout', `no answer from ${formatServerAddress(server)} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => finish(new TransportError('network', `${formatServerAddress(server)}: ${e.message}`)));
    socket.on('message', (message, from) => {
      if (from.port !== server.port || normalizeHost(from.address) !== normalizeHost(server.host)) return;
      if (typeof decodeMatching(message, id, qname, type) === 'string') return;
      finish(null, message);
    });
    socket.send(query, server.port, server.host, (e) => {
      if (e) finish(new TransportError('network', `${formatServerAddress(server)}: ${e.message}`));
    });
  });
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^::ffff:/, '');
}

/** The decoded message when it answers exactly this query, else why not. */
function decodeMatching(message: Buffer, id: number, qname: string, type: DirectQueryType): DecodedPacket | string {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return 'malformed answer';
  }
  if (packet.id !== id || packet.type !== 'response') return 'not an answer to the query';
  const question = packet.questions?.[0];
  if (packet.questions?.length !== 1 || question?.type !== type || normalizeName(question.name) !== qname) return 'answered another question';
  return packet;
}

function answerRecords(packet: DecodedPacket, qname: string): DirectRecord[] {
  const records: DirectRecord[] = [];
  for (const answer of packet.answers ?? []) {
    if (normalizeName(answer.name) !== qname || ('class' in answer && answer.class !== 'IN')) continue;
    const ttl = 'ttl' in answer && typeof answer.ttl === 'number' ? answer.ttl : 0;
    if (answer.type === 'A' || answer.type === 'AAAA') {
      const value = normalizeAddress(answer.type, String(answer.data));
      if (value !== undefined) records.push({ type: answer.type, ttl, data: value });
    } else if (answer.type === 'CNAME' || answer.type === 'NS') {
      records.push({ type: answer.type, ttl, data: normalizeName(String(answer.data)) });
    }
  }
  return records;
}
