import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/dns/tcp.js';
import { MAX_FRUITLESS_SENDS, QueryPipeline, type PipelineLimits } from './pipeline.js';

/**
 * The pipeline against a scripted DNS-over-TCP server on loopback: the script sees every query
 * of every connection and decides when (and whether) to answer, so out-of-order answers, servers
 * that hang up, stall or talk garbage are exact, not timed.
 */

interface Received {
  readonly connection: number;
  readonly id: number;
  readonly name: string;
  readonly message: Buffer;
}

interface ScriptedConnection {
  readonly index: number;
  readonly socket: net.Socket;
  /** Queries received on it and not yet answered. */
  readonly unanswered: Received[];
  answer(query: Received, rewrite?: (response: Buffer) => Buffer): void;
}

interface Script {
  onQuery(connection: ScriptedConnection, query: Received): void;
  onConnection?(connection: ScriptedConnection): void;
}

interface ScriptedServer {
  readonly server: { host: string; port: number };
  readonly received: Received[];
  readonly connections: ScriptedConnection[];
  /** Connections the client has closed (or reset). */
  closedConnections(): number;
  /** Resolves once `count` connections have been closed. */
  whenClosed(count: number): Promise<void>;
  close(): Promise<void>;
}

const servers: ScriptedServer[] = [];
const pipelines: QueryPipeline[] = [];

afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function scriptedServer(script: Script): Promise<ScriptedServer> {
  const received: Received[] = [];
  const connections: ScriptedConnection[] = [];
  let closed = 0;
  const waiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const connection: ScriptedConnection = {
      index: connections.length,
      socket,
      unanswered: [],
      answer(query, rewrite = (r) => r) {
        connection.unanswered.splice(connection.unanswered.indexOf(query), 1);
        const response = rewrite(Buffer.from(query.message));
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(response.length);
        if (!socket.destroyed) socket.write(Buffer.concat([prefix, response]));
      },
    };
    connections.push(connection);
    socket.on('close', () => {
      closed += 1;
      for (const wake of waiters.splice(0)) wake();
    });
    script.onConnection?.(connection);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = Buffer.from(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + message.length);
        const query: Received = { connection: connection.index, id: message.readUInt16BE(0), name: dnsPacket.decode(message).questions![0]!.name, message };
        received.push(query);
        connection.unanswered.push(query);
        script.onQuery(connection, query);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scripted: ScriptedServer = {
    server: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
    received,
    connections,
    closedConnections: () => closed,
    whenClosed: async (count) => {
      while (closed < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(scripted);
  return scripted;
}

/** The echo answer: the query itself with QR set. */
const asResponse = (message: Buffer): Buffer => {
  message.writeUInt16BE(message.readUInt16BE(2) | 0x8000, 2);
  return message;
};

function pipeline(server: { host: string; port: number }, limits: Partial<PipelineLimits> = {}, timeoutMs = 5_000): QueryPipeline {
  const p = new QueryPipeline(server, timeoutMs, { connections: 4, inFlightPerConnection: 32, spreadAt: 8, idleMs: 60_000, ...limits });
  pipelines.push(p);
  return p;
}

/** One query for `name`; resolves with the name the answer's question carries. */
async function ask(p: QueryPipeline, name: string): Promise<string> {
  const { request, response } = await p.exchange((id) => ({ wire: dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ type: 'A', name, class: 'IN' }] }), name }));
  expect(response.readUInt16BE(2) & 0x8000).toBe(0x8000);
  const answered = dnsPacket.decode(response).questions![0]!.name;
  expect(answered).toBe(request.name);
  return answered;
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

const names = (count: number, prefix = 'n'): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}.example.test`);

describe('QueryPipeline (RFC 7766 pipelining)', () => {
  it('matches answers that come in reverse order to their queries by ID, on one connection', async () => {
    const all = names(20);
    const s = await scriptedServer({
      onQuery(connection) {
        if (connection.unanswered.length < all.length) return;
        for (const query of [...connection.unanswered].reverse()) connection.answer(query, asResponse);
      },
    });
    const p = pipeline(s.server, { spreadAt: 32 });
    expect(await Promise.all(all.map((name) => ask(p, name)))).toEqual(all);
    expect(s.connections).toHaveLength(1);
    expect(s.received).toHaveLength(20);
    expect(new Set(s.received.map((q) => q.id)).size).toBe(20);
    expect(p.stats).toEqual({ connectionsOpened: 1, messagesWritten: 20, resent: 0 });
  });

  it('keeps at most inFlightPerConnection queries unanswered on each of at most `connections` connections', async () => {
    const all = names(30);
    let most = 0;
    let total = 0;
    const s = await scriptedServer({
      onQuery(connection) {
        total += 1;
        most = Math.max(most, connection.unanswered.length);
        // Answers a full window (or, at the end, what is left) only after reading all that has
        // come in: a client over the bound would show here.
        const due = total === all.length ? s.connections : connection.unanswered.length === 4 ? [connection] : [];
        setImmediate(() => {
          for (const c of due) for (const query of [...c.unanswered]) c.answer(query, asResponse);
        });
      },
    });
    const p = pipeline(s.server, { connections: 2, inFlightPerConnection: 4, spreadAt: 2 });
    expect(await Promise.all(all.map((name) => ask(p, name)))).toEqual(all);
    expect(most).toBe(4);
    expect(s.connections).toHaveLength(2);
    expect(s.received).toHaveLength(30);
  });

  it('sends again only the queries left unanswered when the server closes the connection', async () => {
    const all = names(6);
    const s = await scriptedServer({
      onQuery(connection, query) {
        if (connection.index > 0) return connection.answer(query, asResponse);
        // The first connection answers two queries, then hangs up (FIN after the answers).
        if (connection.unanswered.length < all.length) return;
        for (const first of connection.unanswered.slice(0, 2)) connection.answer(first, asResponse);
        connection.socket.end();
      },
    });
    const p = pipeline(s.server);
    expect(await Promise.all(all.map((name) => ask(p, name)))).toEqual(all);
    const first = s.received.filter((q) => q.connection === 0);
    const second = s.received.filter((q) => q.connection === 1);
    expect(first.map((q) => q.name)).toEqual(all);
    expect(second.map((q) => q.name)).toEqual(all.slice(2));
    // Sent again as they were (same ID, same bytes): a signed query keeps its signature.
    expect(second.map((q) => q.message)).toEqual(first.slice(2).map((q) => q.message));
    expect(p.stats).toEqual({ connectionsOpened: 2, messagesWritten: 10, resent: 4 });
  });

  it(`gives a query up after ${MAX_FRUITLESS_SENDS} connections that closed without answering anything`, async () => {
    const s = await scriptedServer({ onQuery: (connection) => connection.socket.end() });
    const p = pipeline(s.server);
    const error = await rejection(ask(p, 'www.example.test'));
    expect(error.requestSent).toBe(true);
    expect(error.message).toMatch(/closed the TCP connection before answering/);
    expect(s.received).toHaveLength(MAX_FRUITLESS_SENDS);
    expect(s.connections).toHaveLength(MAX_FRUITLESS_SENDS);
  });

  it('fails a query unanswered in time, drops its connection and sends the others on a fresh one', async () => {
    const s = await scriptedServer({
      onQuery(connection, query) {
        // The first connection answers one query and stalls on the rest.
        if (connection.index > 0 || query.name === 'a.example.test') connection.answer(query, asResponse);
      },
    });
    const p = pipeline(s.server, {}, 300);
    const a = ask(p, 'a.example.test');
    const stalled = rejection(ask(p, 'b.example.test'));
    expect(await a).toBe('a.example.test');
    const error = await stalled;
    expect(error.kind).toBe('timeout');
    expect(error.requestSent).toBe(true);
    expect(error.message).toMatch(/^no answer from 127\.0\.0\.1:\d+ over TCP within 300 ms$/);
    await s.whenClosed(1);
    expect(await ask(p, 'c.example.test')).toBe('c.example.test');
    expect(s.connections).toHaveLength(2);
    expect(s.received.map((q) => `${q.connection} ${q.name}`)).toEqual(['0 a.example.test', '0 b.example.test', '1 c.example.test']);
  });

  it('fails at once, as not sent, when nothing listens', async () => {
    const s = await scriptedServer({ onQuery: () => undefined });
    const port = s.server.port;
    await s.close();
    servers.splice(0);
    const p = pipeline({ host: '127.0.0.1', port });
    const errors = await Promise.all(names(3).map((name) => rejection(ask(p, name))));
    for (const error of errors) {
      expect(error.requestSent).toBe(false);
      expect(error.message).toMatch(/ECONNREFUSED/);
    }
    expect(p.stats.connectionsOpened).toBe(1);
  });

  it('fails the queries of a connection that sends something that is not a DNS answer', async () => {
    const s = await scriptedServer({ onQuery: (connection, query) => connection.answer(query, () => Buffer.from('<html>502</html>')) });
    const error = await rejection(ask(pipeline(s.server), 'www.example.test'));
    expect(error.requestSent).toBe(true);
    expect(error.message).toMatch(/sent a malformed answer/);
  });

  it('ignores an answer whose ID no query in flight has, and takes the real one', async () => {
    const s = await scriptedServer({
      onQuery(connection, query) {
        const stray = asResponse(Buffer.from(query.message));
        stray.writeUInt16BE((query.id + 1) & 0xffff, 0);
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(stray.length);
        connection.socket.write(Buffer.concat([prefix, stray]));
        connection.answer(query, asResponse);
      },
    });
    expect(await ask(pipeline(s.server), 'www.example.test')).toBe('www.example.test');
  });

  it('closes an idle connection and opens a new one for the next query', async () => {
    const s = await scriptedServer({ onQuery: (connection, query) => connection.answer(query, asResponse) });
    const p = pipeline(s.server, { idleMs: 50 });
    expect(await ask(p, 'a.example.test')).toBe('a.example.test');
    await s.whenClosed(1);
    expect(await ask(p, 'b.example.test')).toBe('b.example.test');
    expect(p.stats.connectionsOpened).toBe(2);
  });

  it('close() closes every connection and fails what is still waiting', async () => {
    const s = await scriptedServer({ onQuery: () => undefined });
    const p = pipeline(s.server, { connections: 1, inFlightPerConnection: 2, spreadAt: 2 });
    const waiting = names(3).map((name) => rejection(ask(p, name)));
    while (s.received.length < 2) await new Promise((resolve) => setImmediate(resolve));
    await p.close();
    const errors = await Promise.all(waiting);
    // Two were written, the third still waited for room.
    expect(errors.map((e) => e.requestSent)).toEqual([true, true, false]);
    await s.whenClosed(1);
    expect(s.received).toHaveLength(2);
  });
});
