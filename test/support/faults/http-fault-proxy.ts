import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy for the provider fakes (Route 53, Cloudflare): the SDK under test
 * talks to the proxy, the proxy to the fake. Without a fault it relays each request and its
 * response unchanged. A fault hits requests of one kind (`read` = GET, `write` = anything else)
 * for its next `times` matches, and does one of:
 * - `refuse`: the port stops listening (connection refused) until `clear()`;
 * - `hang-before`: reads the request, never forwards it, never answers (timeout, nothing done);
 * - `hang-after`: forwards it (the fake acts on it), never answers (timeout, done);
 * - `reset-before`: reads the request, then resets the connection (nothing done);
 * - `reset-mid-response`: forwards it, sends the status line, headers and half of the body,
 *   then resets the connection (done, answer cut);
 * - `respond`: answers with `status`/`body`/`headers` itself, never forwarding (5xx pages,
 *   429 and Throttling storms, auth and validation errors, HTML where JSON or XML is expected);
 * - `respond-after`: forwards it (done), then answers with `status`/`body` instead of the real answer;
 * - `before`: awaits `hook` (e.g. someone editing the records), then forwards normally.
 */
export type FaultAction =
  | { readonly kind: 'refuse' }
  | { readonly kind: 'hang-before' }
  | { readonly kind: 'hang-after' }
  | { readonly kind: 'reset-before' }
  | { readonly kind: 'reset-mid-response' }
  | { readonly kind: 'respond'; readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly kind: 'respond-after'; readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly kind: 'before'; readonly hook: () => void | Promise<void> };

export type RequestKind = 'read' | 'write' | 'any';

export interface Fault {
  readonly on: RequestKind;
  /** Only requests whose path matches (default: all of `on`). */
  readonly path?: RegExp;
  /** How many matching requests it hits (default: every one until cleared). */
  readonly times?: number;
  /** Each matching request is hit with this probability (seeded, so runs repeat). */
  readonly probability?: number;
  readonly action: FaultAction;
}

interface ArmedFault {
  readonly fault: Fault;
  remaining: number;
}

interface Upstream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export class HttpFaultProxy {
  /** Requests seen, by kind, since the last reset (refused connections never arrive). */
  readonly seen = { read: 0, write: 0 };
  /** Requests a fault hit. */
  hits = 0;
  readonly #upstream: URL;
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly #held = new Set<http.ServerResponse>();
  #faults: ArmedFault[] = [];
  #port = 0;
  #listening = false;
  #closing: Promise<void> = Promise.resolve();
  #seed = 7;

  private constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = http.createServer((request, response) => void this.#handle(request, response));
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** A proxy in front of `upstream` (an origin, e.g. http://127.0.0.1:1234). */
  static async start(upstream: string): Promise<HttpFaultProxy> {
    const proxy = new HttpFaultProxy(upstream);
    await proxy.#listen(0);
    return proxy;
  }

  /** http://127.0.0.1:PORT — append the API's path prefix as the SDK needs it. */
  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  inject(fault: Fault): void {
    if (fault.action.kind === 'refuse') {
      this.#faults.push({ fault, remaining: Number.POSITIVE_INFINITY });
      this.#stopListening();
      return;
    }
    this.#faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Removes every fault, answers held requests never, and listens again if refusing. */
  async clear(): Promise<void> {
    this.#faults = [];
    for (const response of this.#held) response.socket?.destroy();
    this.#held.clear();
    if (!this.#listening) {
      await this.#closing;
      await this.#listen(this.#port);
    }
  }

  resetCounters(): void {
    this.seen.read = 0;
    this.seen.write = 0;
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
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // Keep-alive connections would otherwise still reach us: a refused port has none.
    for (const socket of this.#sockets) socket.destroy();
  }

  #take(kind: 'read' | 'write', path: string): FaultAction | undefined {
    for (const armed of this.#faults) {
      const { on, path: pattern } = armed.fault;
      if (on !== 'any' && on !== kind) continue;
      if (pattern !== undefined && !pattern.test(path)) continue;
      if (armed.remaining <= 0) continue;
      if (armed.fault.probability !== undefined && this.#random() >= armed.fault.probability) continue;
      armed.remaining -= 1;
      this.hits += 1;
      return armed.fault.action;
    }
    return undefined;
  }

  /** Mulberry32, seeded: the same requests fail on every run. */
  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) | 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readAll(request);
    const kind = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
    this.seen[kind] += 1;
    const action = this.#take(kind, request.url ?? '/');
    const socket = request.socket;
    try {
      switch (action?.kind) {
        case undefined:
        case 'refuse':
          return send(response, await this.#forward(request, body));
        case 'before':
          await action.hook();
          return send(response, await this.#forward(request, body));
        case 'hang-before':
          this.#held.add(response);
          return;
        case 'hang-after':
          await this.#forward(request, body);
          this.#held.add(response);
          return;
        case 'reset-before':
          socket.resetAndDestroy();
          return;
        case 'reset-mid-response': {
          const upstream = await this.#forward(request, body);
          const half = upstream.body.subarray(0, Math.floor(upstream.body.length / 2));
          const head = [
            `HTTP/1.1 ${upstream.status} OK`,
            `content-type: ${String(upstream.headers['content-type'] ?? 'application/octet-stream')}`,
            `content-length: ${upstream.body.length}`,
            '',
            '',
          ].join('\r\n');
          socket.write(Buffer.concat([Buffer.from(head), half]), () => socket.resetAndDestroy());
          return;
        }
        case 'respond':
          return send(response, { status: action.status, headers: { 'content-type': 'text/html', ...action.headers }, body: Buffer.from(action.body) });
        case 'respond-after':
          await this.#forward(request, body);
          return send(response, { status: action.status, headers: { 'content-type': 'text/html', ...action.headers }, body: Buffer.from(action.body) });
      }
    } catch {
      socket.destroy();
    }
  }

  #forward(request: http.IncomingMessage, body: Buffer): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const headers = { ...request.headers, host: this.#upstream.host };
      const upstream = http.request({ host: this.#upstream.hostname, port: this.#upstream.port, method: request.method, path: request.url, headers, agent: false }, (answer) => {
        void readAll(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }), reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

function send(response: http.ServerResponse, answer: { status: number; headers: http.IncomingHttpHeaders | Record<string, string>; body: Buffer }): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || ['transfer-encoding', 'connection', 'keep-alive', 'content-length'].includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
  response.end(answer.body);
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
