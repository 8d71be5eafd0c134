import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { ProviderError } from '../types.js';
import { exchangeQuery, serverLabel, type Endpoint } from './client.js';
import { RCODE, describeKey, rcodeName, tsigErrorWords } from './messages.js';
import type { Header } from './wire.js';

export type QueryType = 'A' | 'AAAA' | 'SOA';

export interface QueryAnswer {
  readonly header: Header;
  readonly packet: DecodedPacket;
}

/**
 * One authoritative query to the primary (TCP, pipelined, RD=0, signed when a key is configured).
 * Throws ProviderError when no trustworthy answer came back; the caller interprets the RCODE.
 */
export async function queryPrimary(endpoint: Endpoint, name: string, type: QueryType): Promise<QueryAnswer> {
  const server = serverLabel(endpoint);
  // ID 0 here: the pipeline gives each query an ID unique among those in flight.
  const message = dnsPacket.encode({ type: 'query', id: 0, flags: 0, questions: [{ type, name, class: 'IN' }] });
  const result = await exchangeQuery(endpoint, message);
  if (result.kind !== 'answer') throw new ProviderError('unreachable', `could not query ${server}: ${result.message}`);
  const { tsig, header, response } = result;
  if (tsig !== undefined && endpoint.key !== undefined) {
    if (tsig.status === 'unsigned-error' || (tsig.status === 'verified' && tsig.error !== 0)) {
      throw new ProviderError('auth', tsigErrorWords(tsig.error, endpoint.key, server));
    }
    if (tsig.status === 'unsigned' && header.rcode === RCODE.NOTAUTH) {
      // PowerDNS answers so to a query signed with a key it does not know or a wrong secret alike.
      throw new ProviderError(
        'auth',
        `${server} answered NOTAUTH without a signature to a query signed with ${describeKey(endpoint.key)}: it does not accept this key (unknown name or algorithm, or a secret that does not match its copy)`,
      );
    }
    if (tsig.status === 'unsigned') {
      // Name the RCODE: an unsigned SERVFAIL or REFUSED says more about the server than the missing signature does.
      const rcode = header.rcode === 0 ? '' : ` ${rcodeName(header.rcode)}`;
      throw new ProviderError('error', `${server} answered${rcode} to a query signed with ${describeKey(endpoint.key)} without a signature; the answer is not trusted`);
    }
    if (tsig.status === 'invalid') throw new ProviderError('error', `the answer from ${server} is not trusted: ${tsig.reason}`);
  }
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(response);
  } catch {
    throw new ProviderError('error', `${server} sent a malformed answer to ${name} ${type}`);
  }
  const question = packet.questions?.[0];
  if (packet.questions?.length !== 1 || question?.type !== type || question.name.toLowerCase() !== name) {
    throw new ProviderError('error', `${server} answered another question than ${name} ${type}`);
  }
  return { header, packet };
}
