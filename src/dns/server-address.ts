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

/** As messages show a server: `127.0.0.1:53`, `[::1]:53`. */
export function formatServerAddress(server: ServerAddress): string {
  return net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
