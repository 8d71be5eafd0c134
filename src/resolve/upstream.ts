import net from 'node:net';
import { formatServerAddress, type ServerAddress } from '../dns/server-address.js';

/**
 * A configured server with what every query to it needs worked out once, not per query. A class,
 * not an object literal: see "Steady object shapes" in docs/design/wire-codec.md.
 */
export class Upstream {
  /** As messages and reasons show it: `127.0.0.1:53`, `[::1]:53`. */
  readonly text: string;
  readonly socketType: 'udp4' | 'udp6';

  constructor(readonly address: ServerAddress) {
    this.text = formatServerAddress(address);
    this.socketType = net.isIPv6(address.host) ? 'udp6' : 'udp4';
  }
}

export function toUpstream(address: ServerAddress): Upstream {
  return new Upstream(address);
}
