import { randomInt } from 'node:crypto';
import { TransportError, exchangeTcp, formatServerAddress, type ServerAddress } from '../../src/resolve/transport.js';
import { signMessage, verifyResponse, type ResponseTsig, type TsigKey } from './tsig.js';
import { readHeader, type Header } from './wire.js';

/** Where and how to talk to the primary: always TCP (updates and authoritative reads alike). */
export interface Endpoint {
  readonly server: ServerAddress;
  readonly key: TsigKey | undefined;
  readonly timeoutMs: number;
}

/**
 * The result of one request/response exchange:
 * - `answer`: a response to this request (same ID and opcode); `tsig` is its signature check
 *   (undefined when no key is configured);
 * - `unreachable`: nothing was sent (connection refused, could not connect in time);
 * - `lost`: the request was sent but no usable answer came back (timeout, connection closed,
 *   an answer to something else) — an update may or may not have been applied.
 */
export type Exchange =
  | { readonly kind: 'answer'; readonly response: Buffer; readonly header: Header; readonly tsig: ResponseTsig | undefined }
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'lost'; readonly message: string };

export function newMessageId(): number {
  return randomInt(0, 0x10000);
}

export function serverLabel(endpoint: Endpoint): string {
  return formatServerAddress(endpoint.server);
}

/** Signs `message` when a key is configured, sends it over TCP, and checks the answer belongs to it. */
export async function exchange(endpoint: Endpoint, message: Buffer): Promise<Exchange> {
  const request = readHeader(message);
  const signing = endpoint.key ? signMessage(message, endpoint.key, nowSeconds()) : undefined;
  let response: Buffer;
  try {
    response = await exchangeTcp(endpoint.server, signing?.signed ?? message, endpoint.timeoutMs);
  } catch (error) {
    if (error instanceof TransportError) {
      return error.requestSent ? { kind: 'lost', message: error.message } : { kind: 'unreachable', message: error.message };
    }
    throw error;
  }
  let header: Header;
  try {
    header = readHeader(response);
  } catch {
    return { kind: 'lost', message: `${serverLabel(endpoint)} sent a malformed answer` };
  }
  if (!header.isResponse || header.id !== request.id || header.opcode !== request.opcode) {
    return { kind: 'lost', message: `${serverLabel(endpoint)} sent an answer that does not match the request` };
  }
  const tsig = endpoint.key && signing ? verifyResponse(response, endpoint.key, signing.mac, nowSeconds()) : undefined;
  return { kind: 'answer', response, header, tsig };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
