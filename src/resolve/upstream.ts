import net from 'node:net';
import { formatServerAddress, type ServerAddress } from './transport.js';

/** A configured server with what every query to it needs worked out once, not per query. */
export interface Upstream {
  readonly address: ServerAddress;
  /** As messages and reasons show it: `127.0.0.1:53`, `[::1]:53`. */
  readonly text: string;
  readonly socketType: 'udp4' | 'udp6';
}

export function toUpstream(address: ServerAddress): Upstream {
  return { address, text: formatServerAddress(address), socketType: net.isIPv6(address.host) ? 'udp6' : 'udp4' };
}
