import { randomUint16 } from '../../src/dns/query.js';
import { formatServerAddress, type ServerAddress } from '../../src/dns/server-address.js';
import { exchangeTcp, TransportError } from '../../src/dns/tcp.js';
import { signMessage, verifyResponse, type ResponseTsig, type TsigKey } from '../../src/dns/tsig.js';
import { readHeader, type Header } from '../../src/dns/wire.js';
import type { QueryPipeline } from './pipeline.js';

/**
 * Where and how to talk to the primary: always TCP. Queries (reads, zone discovery) share the
 * persistent, pipelined connections of `queries`; each UPDATE has a connection of its own.
 */
export interface Endpoint {
  readonly server: ServerAddress;
  readonly key: TsigKey | undefined;
  readonly timeoutMs: number;
  readonly queries: QueryPipeline;
}

/**
 * The result of one request/response exchange:
 * - `answer`: a response to this request (same ID and opcode); `tsig` is its signature check
 *   (undefined when no key is configured);
 * - `failed`: no usable answer. `maybeApplied` is false when nothing was sent (connection
 *   refused, could not connect in time), true when the request was sent but no usable answer came
 *   back (timeout, connection closed, an answer to something else): an update may have been applied.
 */
export type Exchange =
  | { readonly kind: 'answer'; readonly response: Buffer; readonly header: Header; readonly tsig: ResponseTsig | undefined }
  | { readonly kind: 'failed'; readonly message: string; readonly maybeApplied: boolean };

/** A request as it goes on the wire, with what its answer is checked against. */
interface SignedRequest {
  readonly wire: Buffer;
  readonly header: Header;
  /** The request's MAC, which the answer's MAC covers; undefined when no key is configured. */
  readonly mac: Buffer | undefined;
}

export function newMessageId(): number {
  return randomUint16();
}

export function serverLabel(endpoint: Endpoint): string {
  return formatServerAddress(endpoint.server);
}

/**
 * Sends an UPDATE (signed when a key is configured) on a TCP connection of its own, and checks
 * the answer belongs to it. Never sent twice: a replayed UPDATE would fail its prerequisites and
 * read as someone else's edit.
 */
export async function exchange(endpoint: Endpoint, message: Buffer): Promise<Exchange> {
  const request = signRequest(endpoint, message, message.readUInt16BE(0));
  let response: Buffer;
  try {
    response = await exchangeTcp(endpoint.server, request.wire, endpoint.timeoutMs);
  } catch (error) {
    return transportFailure(error);
  }
  return checkAnswer(endpoint, request, response);
}

/**
 * Sends a query (signed when a key is configured) on the endpoint's pipelined connections, which
 * give it its ID, and checks the answer belongs to it.
 */
export async function exchangeQuery(endpoint: Endpoint, message: Buffer): Promise<Exchange> {
  let result: { request: SignedRequest; response: Buffer };
  try {
    result = await endpoint.queries.exchange((id) => signRequest(endpoint, message, id));
  } catch (error) {
    return transportFailure(error);
  }
  return checkAnswer(endpoint, result.request, result.response);
}

/** `message` with ID `id`, signed when a key is configured (the MAC covers the ID). */
function signRequest(endpoint: Endpoint, message: Buffer, id: number): SignedRequest {
  const unsigned = Buffer.from(message);
  unsigned.writeUInt16BE(id, 0);
  const header = readHeader(unsigned);
  if (endpoint.key === undefined) return { wire: unsigned, header, mac: undefined };
  const { signed, mac } = signMessage(unsigned, endpoint.key, nowSeconds());
  return { wire: signed, header, mac };
}

function transportFailure(error: unknown): Exchange {
  if (error instanceof TransportError) {
    return { kind: 'failed', message: error.message, maybeApplied: error.requestSent === true };
  }
  throw error;
}

function checkAnswer(endpoint: Endpoint, request: SignedRequest, response: Buffer): Exchange {
  let header: Header;
  try {
    header = readHeader(response);
  } catch {
    return { kind: 'failed', message: `${serverLabel(endpoint)} sent a malformed answer`, maybeApplied: true };
  }
  if (!header.isResponse || header.id !== request.header.id || header.opcode !== request.header.opcode) {
    return { kind: 'failed', message: `${serverLabel(endpoint)} sent an answer that does not match the request`, maybeApplied: true };
  }
  const tsig = endpoint.key && request.mac ? verifyResponse(response, endpoint.key, request.mac, nowSeconds()) : undefined;
  return { kind: 'answer', response, header, tsig };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
