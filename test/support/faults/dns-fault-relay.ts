import net from 'node:net';

/**
 * A fault-injecting DNS-over-TCP relay, for the RFC 2136 adapter (which talks TCP only, for
 * queries and UPDATEs alike) in front of a real named. Without a fault it relays each
 * length-prefixed message both ways. A fault hits messages of one opcode (`query` = 0,
 * `update` = 5) for its next `times` matches:
 * - `refuse`: the port stops listening until `clear()`;
 * - `hang-before`: reads the message, never forwards it, never answers;
 * - `hang-after`: forwards it (named acts on it), drops the answer;
 * - `reset-before`: resets the connection instead of forwarding;
 * - `reset-mid-response`: forwards it, sends half of the answer, resets the connection;
 * - `rcode`: answers itself with this rcode (same ID and opcode, unsigned), never forwarding;
 * - `garbage`: forwards it, then answers with bytes that are not a DNS message;
 * - `before`: awaits `hook` (e.g. an nsupdate by someone else), then forwards.
 */
export type DnsFaultAction =
  | { readonly kind: 'refuse' }
  | { readonly kind: 'hang-before' }
  | { readonly kind: 'hang-after' }
  | { readonly kind: 'reset-before' }
  | { readonly kind: 'reset-mid-response' }
  | { readonly kind: 'rcode'; readonly rcode: number }
  | { readonly kind: 'garbage' }
  | { readonly kind: 'before'; readonly hook: () => Promise<void> };

export interface DnsFault {
  readonly on: 'query' | 'update' | 'any';
  readonly times?: number;
  readonly action: DnsFaultAction;
}

const OPCODE_QUERY = 0;
const OPCODE_UPDATE = 5;

export class DnsFaultRelay {
  readonly seen = { query: 0, update: 0 };
  hits = 0;
  readonly #upstream: { host: string; port: number };
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #faults: Array<{ fault: DnsFault; remaining: number }> = [];
  #port = 0;
  #listening = false;
  #closing: Promise<void> = Promise.resolve();

  private constructor(upstream: { host: string; port: number }) {
    this.#upstream = upstream;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  static async start(upstream: { host: string; port: number }): Promise<DnsFaultRelay> {
    const relay = new DnsFaultRelay(upstream);
    await relay.#listen(0);
    return relay;
  }

  /** `127.0.0.1:PORT`, for the provider's `server`. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  inject(fault: DnsFault): void {
    this.#faults.push({ fault, remaining: fault.action.kind === 'refuse' ? Number.POSITIVE_INFINITY : (fault.times ?? Number.POSITIVE_INFINITY) });
    if (fault.action.kind === 'refuse' && this.#listening) {
      this.#listening = false;
      this.#closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const socket of this.#sockets) socket.destroy();
    }
  }

  async clear(): Promise<void> {
    this.#faults = [];
    if (!this.#listening) {
      await this.#closing;
      await this.#listen(this.#port);
    }
  }

  resetCounters(): void {
    this.seen.query = 0;
    this.seen.update = 0;
    this.hits = 0;
  }

  async close(): Promise<void> {
    this.#faults = [];
    for (const socket of this.#sockets) socket.destroy();
    if (this.#listening) this.#closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#listening = false;
    await this.#closing;
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as net.AddressInfo).port;
    this.#listening = true;
  }

  #take(opcode: number): DnsFaultAction | undefined {
    const kind = opcode === OPCODE_UPDATE ? 'update' : opcode === OPCODE_QUERY ? 'query' : undefined;
    for (const armed of this.#faults) {
      if (armed.fault.on !== 'any' && armed.fault.on !== kind) continue;
      if (armed.remaining <= 0) continue;
      armed.remaining -= 1;
      this.hits += 1;
      return armed.fault.action;
    }
    return undefined;
  }

  #accept(client: net.Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    const upstream = net.connect(this.#upstream);
    this.#sockets.add(upstream);
    upstream.on('close', () => this.#sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());

    // Answers from named, one message at a time, in order: each is handed to the waiting request.
    const answers: Array<(message: Buffer) => void> = [];
    let fromUpstream = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      fromUpstream = Buffer.concat([fromUpstream, chunk]);
      while (fromUpstream.length >= 2 && fromUpstream.length >= 2 + fromUpstream.readUInt16BE(0)) {
        const message = fromUpstream.subarray(0, 2 + fromUpstream.readUInt16BE(0));
        fromUpstream = fromUpstream.subarray(message.length);
        answers.shift()?.(message);
      }
    });
    const forward = (framed: Buffer): Promise<Buffer> =>
      new Promise((resolve) => {
        answers.push(resolve);
        upstream.write(framed);
      });

    let pending = Buffer.alloc(0);
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const framed = pending.subarray(0, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(framed.length);
        queue = queue
          .then(() => this.#relay(client, framed, forward))
          .catch(() => {
            client.destroy();
          });
      }
    });
  }

  async #relay(client: net.Socket, framed: Buffer, forward: (framed: Buffer) => Promise<Buffer>): Promise<void> {
    const message = framed.subarray(2);
    const opcode = message.length >= 4 ? (message.readUInt16BE(2) >> 11) & 0xf : -1;
    if (opcode === OPCODE_UPDATE) this.seen.update += 1;
    else if (opcode === OPCODE_QUERY) this.seen.query += 1;
    const action = this.#take(opcode);
    const reply = (answer: Buffer): void => {
      if (!client.destroyed) client.write(answer);
    };
    switch (action?.kind) {
      case undefined:
      case 'refuse':
        return reply(await forward(framed));
      case 'before':
        await action.hook().catch(() => undefined);
        return reply(await forward(framed));
      case 'hang-before':
        return;
      case 'hang-after':
        await forward(framed);
        return;
      case 'reset-before':
        client.resetAndDestroy();
        return;
      case 'reset-mid-response': {
        const answer = await forward(framed);
        client.write(answer.subarray(0, Math.max(3, Math.floor(answer.length / 2))), () => client.resetAndDestroy());
        return;
      }
      case 'rcode': {
        const header = Buffer.from(message.subarray(0, 12));
        // QR=1, same opcode, the rcode; no sections (an answer from a middlebox, unsigned).
        header.writeUInt16BE(0x8000 | (opcode << 11) | (action.rcode & 0xf), 2);
        header.fill(0, 4, 12);
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(header.length);
        return reply(Buffer.concat([prefix, header]));
      }
      case 'garbage': {
        await forward(framed);
        const junk = Buffer.from('<html>502 Bad Gateway</html>');
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(junk.length);
        return reply(Buffer.concat([prefix, junk]));
      }
    }
  }
}
