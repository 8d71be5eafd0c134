import net from 'node:net';

/** A DNS server to talk to: an IP literal and a port. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host`, `host:port`, `[v6]` or `[v6]:port` (host must be an IP literal). */
export function parseServerAddress(text: string, defaultPort = 53): ServerAddress | undefined {
  const s = text.trim();
  let host: string;
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (net.isIPv6(s)) {
    host = s;
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(s);
    if (!m) return undefined;
    host = m[1]!;
    if (m[2] !== undefined) port = Number(m[2]);
  }
  if (!net.isIP(host) || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

export function formatServerAddress(server: ServerAddress): string {
  return net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/** Why an exchange produced no answer. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
    /** TCP: whether the query was written before the failure (an UPDATE may then have been applied). */
    readonly requestSent?: boolean,
  ) {
    super(message);
  }
}

/**
 * Sends one message over a new TCP connection (two-byte length prefix, RFC 1035 §4.2.2) and
 * resolves with the first complete response message. The caller validates it.
 */
export function exchangeTcp(server: ServerAddress, query: Uint8Array, timeoutMs: number): Promise<Buffer> {
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
      () =>
        finish(
          new TransportError(
            'timeout',
            `no answer from ${formatServerAddress(server)} over TCP within ${timeoutMs} ms${sent ? '' : ' (could not connect)'}`,
            sent,
          ),
        ),
      timeoutMs,
    );
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      socket.write(Buffer.concat([prefix, query]));
      sent = true;
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length >= 2 + length) finish(null, buffered.subarray(2, 2 + length));
      }
    });
    socket.on('error', (e) => finish(new TransportError('network', `${formatServerAddress(server)}: ${e.message}`, sent)));
    socket.on('close', () =>
      finish(new TransportError('network', `${formatServerAddress(server)} closed the TCP connection before answering`, sent)),
    );
  });
}
