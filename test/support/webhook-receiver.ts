import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedPost {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly posts: ReceivedPost[];
  /** Requests to `path` so far. */
  at(path: string): ReceivedPost[];
  /** Answers requests to `path` with these statuses, one per request, then 200. */
  failWith(path: string, statuses: readonly number[]): void;
  close(): Promise<void>;
}

/** A local HTTP server that records every request (the webhooks of notifications) and answers 200 unless told otherwise. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const failures = new Map<string, number[]>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      posts.push({ method: request.method ?? '', path, headers: request.headers, body });
      const status = failures.get(path)?.shift() ?? 200;
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(status === 200 ? '{"ok":true}' : '{"error":"injected"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    posts,
    at: (path) => posts.filter((post) => post.path === path),
    failWith: (path, statuses) => void failures.set(path, [...statuses]),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
