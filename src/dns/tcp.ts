import net from 'node:net';
import { formatServerAddress, type ServerAddress } from './server-address.js';

/** Why an exchange produced no answer. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
    /** Whether the query was written before the failure (an UPDATE may then have been applied). */
    readonly requestSent?: boolean,
  ) {
    super(message);
  }
}

/** Largest DNS message a TCP frame can carry: its length is a 16-bit field. */
export const MAX_TCP_MESSAGE_BYTES = 0xffff;

/** `message` with the two-byte length prefix of DNS over TCP (RFC 1035 §4.2.2). */
export function frameTcp(message: Uint8Array): Buffer {
  if (message.length > MAX_TCP_MESSAGE_BYTES) throw new Error(`a DNS message of ${message.length} bytes does not fit a TCP frame`);
  const framed = Buffer.alloc(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  framed.set(message, 2);
  return framed;
}

/**
 * The messages complete in `buffered` (a stream of length-prefixed frames) from `offset` on, each
 * a view into `buffered`, and the offset where the first incomplete frame starts.
 */
export function completeFrames(buffered: Buffer, offset = 0): { readonly messages: Buffer[]; readonly rest: number } {
  const messages: Buffer[] = [];
  let at = offset;
  while (buffered.length - at >= 2) {
    const length = buffered.readUInt16BE(at);
    if (buffered.length - at - 2 < length) break;
    messages.push(buffered.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return { messages, rest: at };
}

/**
 * Sends one message over a new TCP connection and resolves with the first complete response
 * message. The caller validates it.
 */
export function exchangeTcp(server: ServerAddress, query: Uint8Array, timeoutMs: number): Promise<Buffer> {
  const where = formatServerAddress(server);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    let done = false;
    let sent = false;
    const finish = (error: Error | null, response?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(
      () => finish(new TransportError('timeout', `no answer from ${where} over TCP within ${timeoutMs} ms${sent ? '' : ' (could not connect)'}`, sent)),
      timeoutMs,
    );
    socket.on('connect', () => {
      socket.write(frameTcp(query));
      sent = true;
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const [first] = completeFrames(buffered).messages;
      if (first !== undefined) finish(null, first);
    });
    socket.on('error', (e) => finish(new TransportError('network', `${where}: ${e.message}`, sent)));
    socket.on('close', () => finish(new TransportError('network', `${where} closed the TCP connection before answering`, sent)));
  });
}
