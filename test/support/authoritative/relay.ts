import net from 'node:net';

/** Counts the DNS messages that clients send through it, by opcode. */
export interface CountingRelay {
  /** `127.0.0.1:port`, to give apexsync as the provider's server. */
  readonly address: string;
  readonly port: number;
  /** UPDATE messages (opcode 5) received since the last reset. */
  updates(): number;
  /** QUERY messages (opcode 0) received since the last reset. */
  queries(): number;
  /** TCP connections clients opened through it since the last reset. */
  connections(): number;
  reset(): void;
  /** `forward` (default) or `blackhole`: accept and read requests but never answer them. */
  setMode(mode: 'forward' | 'blackhole'): void;
  /**
   * Runs `hook` when the next UPDATE arrives, before passing it on to the server: a concurrent
   * edit that lands between apexsync's read and its write.
   */
  beforeNextUpdate(hook: () => Promise<void>): void;
  close(): Promise<void>;
}

/** A TCP relay to the server that counts the length-prefixed DNS messages clients send, by opcode. */
export async function startRelay(upstreamPort: number): Promise<CountingRelay> {
  let updates = 0;
  let queries = 0;
  let connections = 0;
  let mode: 'forward' | 'blackhole' = 'forward';
  let updateHook: (() => Promise<void>) | undefined;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let pending = Buffer.alloc(0);
    /** Counts the messages completed by `chunk`; true when one of them is an UPDATE. */
    const count = (chunk: Buffer): boolean => {
      let sawUpdate = false;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        if (length >= 4) {
          const opcode = (pending.readUInt16BE(4) >> 11) & 0xf;
          if (opcode === 5) {
            updates++;
            sawUpdate = true;
          }
          if (opcode === 0) queries++;
        }
        pending = pending.subarray(2 + length);
      }
      return sawUpdate;
    };
    if (mode === 'blackhole') {
      client.on('data', count);
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    // Chunks go upstream in order, each after any hook its UPDATE triggered has finished.
    let forwarding = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const hook = count(chunk) ? updateHook : undefined;
      if (hook) updateHook = undefined;
      forwarding = forwarding.then(async () => {
        // A failed hook must not stall the relay; the test sees its effect (or not) in the server.
        if (hook) await hook().catch(() => undefined);
        upstream.write(chunk);
      });
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    updates: () => updates,
    queries: () => queries,
    connections: () => connections,
    reset: () => {
      updates = 0;
      queries = 0;
      connections = 0;
    },
    setMode: (next) => {
      mode = next;
    },
    beforeNextUpdate: (hook) => {
      updateHook = hook;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}
