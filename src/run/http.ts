import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ListenAddress } from '../config/types.js';
import type { Readiness } from './health.js';
import type { RunMetrics } from './metrics.js';
import { renderStatusHtml } from '../status/render-html.js';
import type { StatusDocument } from '../status/store.js';

/** What the endpoints report; the daemon supplies it. */
export interface HealthSource {
  /** /healthz: the loop is alive (not stopping, no round wedged). */
  liveness(): { readonly ok: boolean; readonly detail: string };
  /** /readyz. */
  readiness(): Readiness;
  readonly metrics: RunMetrics;
  /** `/` (HTML) and `/status` (JSON). */
  status(): StatusDocument;
}

/** The status page runs no script and loads nothing: the browser is told so. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export interface HttpServer {
  /** `http://host:port`, as bound. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * /healthz, /readyz and /metrics on `server.listen`. GET and HEAD only; everything else is 404
 * or 405. Bodies are JSON except /metrics (Prometheus text format).
 */
export async function startHttpServer(listen: ListenAddress, source: HealthSource, logger: Logger): Promise<HttpServer> {
  const server = http.createServer((request, response) => {
    void handle(request, response, source).catch((error: unknown) => {
      logger.warn({ error: error instanceof Error ? error.message : String(error), path: request.url }, 'http handler failed');
      if (!response.headersSent) send(response, 500, 'application/json', json({ error: 'internal error' }));
      else response.destroy();
    });
  });
  applyLimits(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ error: error.message }, 'http server error'));
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Limits that keep the endpoints answering when clients misbehave (a probe that never sends, a
 * scanner holding connections open): at most MAX_CONNECTIONS sockets, the oldest idle one (no
 * request in progress) closed to make room for a new one, so a silent crowd cannot lock a health
 * check out or use up the process's file descriptors; and every connection bounded in time.
 */
export const HTTP_LIMITS = {
  maxConnections: 64,
  /** A connection must have sent a whole request head within this, or it is closed. */
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5000,
} as const;

function applyLimits(server: http.Server): void {
  server.headersTimeout = HTTP_LIMITS.headersTimeoutMs;
  server.requestTimeout = HTTP_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeoutMs;
  // Oldest first (a Set keeps insertion order); `busy` while a request is being answered.
  const open = new Set<Socket>();
  const busy = new WeakSet<Socket>();
  const firstRequestDeadline = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    // Node's own headersTimeout is checked only for connections that started a request; one that
    // never sends a byte would stay open, so the first request has a deadline of its own.
    const deadline = setTimeout(() => socket.destroy(), HTTP_LIMITS.headersTimeoutMs).unref();
    firstRequestDeadline.set(socket, deadline);
    socket.once('close', () => {
      clearTimeout(deadline);
      open.delete(socket);
    });
    if (open.size <= HTTP_LIMITS.maxConnections) return;
    for (const candidate of open) {
      if (candidate === socket || busy.has(candidate)) continue;
      candidate.destroy();
      open.delete(candidate);
      return;
    }
    // Every other connection is answering a request: the newcomer waits for none of them.
    socket.destroy();
  });
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    clearTimeout(firstRequestDeadline.get(socket));
    busy.add(socket);
    response.once('close', () => busy.delete(socket));
  });
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse, source: HealthSource): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const known = path === '/healthz' || path === '/readyz' || path === '/metrics' || path === '/' || path === '/status';
  if (!known) return send(response, 404, 'application/json', json({ error: 'not found', endpoints: ['/', '/status', '/healthz', '/readyz', '/metrics'] }));
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'application/json', json({ error: 'method not allowed' }));
  }
  if (path === '/healthz') {
    const { ok, detail } = source.liveness();
    return send(response, ok ? 200 : 503, 'application/json', json({ status: ok ? 'ok' : 'unhealthy', detail }));
  }
  if (path === '/') return send(response, 200, 'text/html; charset=utf-8', renderStatusHtml(source.status()), PAGE_HEADERS);
  if (path === '/status') return send(response, 200, 'application/json', json(source.status()), PAGE_HEADERS);
  const readiness = source.readiness();
  source.metrics.ready.set(readiness.ready ? 1 : 0);
  if (path === '/readyz') return send(response, readiness.ready ? 200 : 503, 'application/json', json(readiness));
  const body = await source.metrics.registry.metrics();
  return send(response, 200, source.metrics.registry.contentType, body);
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  response.writeHead(status, { ...headers, 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
