import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP relay in front of a real API that counts the requests passing through it, by method. */
export interface HttpCounter {
  /** `http://127.0.0.1:port`, to give apexsync instead of the API's own address. */
  readonly url: string;
  /** Requests with this method since the last reset. */
  count(method: string): number;
  /** `METHOD path` of every request since the last reset. */
  requests(): readonly string[];
  /** The parsed JSON bodies of the requests with this method since the last reset, in order. */
  bodies(method: string): readonly unknown[];
  reset(): void;
  /** Runs `hook` when the next request with `method` arrives, before passing it on. */
  beforeNext(method: string, hook: () => Promise<void>): void;
  close(): Promise<void>;
}

export async function startHttpCounter(upstream: string): Promise<HttpCounter> {
  const target = new URL(upstream);
  let seen: string[] = [];
  let bodies: { method: string; body: string }[] = [];
  let pending: { method: string; hook: () => Promise<void> } | undefined;
  const server = http.createServer(async (request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (pending !== undefined && pending.method === request.method) {
      const { hook } = pending;
      pending = undefined;
      // A failed hook must not stall the relay; the test sees its effect (or not) upstream.
      await hook().catch(() => undefined);
    }
    const forward = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => response.destroy());
    const entry = { method: request.method ?? '', body: '' };
    bodies.push(entry);
    request.on('data', (chunk: Buffer) => (entry.body += chunk.toString()));
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    count: (method) => seen.filter((line) => line.startsWith(`${method} `)).length,
    requests: () => seen,
    bodies: (method) => bodies.filter((entry) => entry.method === method && entry.body !== '').map((entry) => JSON.parse(entry.body) as unknown),
    reset: () => {
      seen = [];
      bodies = [];
    },
    beforeNext: (method, hook) => {
      pending = { method, hook };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
