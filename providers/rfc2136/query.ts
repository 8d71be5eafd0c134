import { QueryEncoder, type QueryType } from '../../src/dns/query.js';
import { RCODE, rcodeName } from '../../src/dns/rcode.js';
import { readResponseTo, type DnsResponse } from '../../src/dns/response.js';
import type { Header } from '../../src/dns/wire.js';
import { ProviderError } from '../types.js';
import { exchangeQuery, serverLabel, type Endpoint } from './client.js';
import { describeKey, tsigErrorWords } from './messages.js';

export interface QueryAnswer {
  readonly header: Header;
  readonly response: DnsResponse;
}

/** Queries for the primary's own data: RD=0, no EDNS (answers come over TCP, at any size). */
const encoder = new QueryEncoder({ recursionDesired: false });

/**
 * One authoritative query to the primary (TCP, pipelined, RD=0, signed when a key is configured).
 * Throws ProviderError when no trustworthy answer came back; the caller interprets the RCODE.
 */
export async function queryPrimary(endpoint: Endpoint, name: string, type: QueryType): Promise<QueryAnswer> {
  const server = serverLabel(endpoint);
  // ID 0 here: the pipeline gives each query an ID unique among those in flight.
  const query = encoder.encode(name, type);
  if (query === undefined) throw new ProviderError('error', `cannot ask ${server} for ${name} ${type}: not a valid DNS name`);
  const result = await exchangeQuery(endpoint, Buffer.from(query.buffer, query.byteOffset, query.length));
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
  // The pipeline matched the ID; the question and the records are checked as the resolver checks them.
  const verdict = readResponseTo(response, query, name, undefined);
  if (verdict.kind === 'ignored' && verdict.why === 'wrong question') {
    throw new ProviderError('error', `${server} answered another question than ${name} ${type}`);
  }
  if (verdict.kind !== 'response') throw new ProviderError('error', `${server} sent a malformed answer to ${name} ${type}`);
  return { header, response: verdict.response };
}
