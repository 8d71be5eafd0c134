import net from 'node:net';
import { randomUint16 } from '../../src/dns/query.js';
import { formatServerAddress, type ServerAddress } from '../../src/dns/server-address.js';
import { completeFrames, frameTcp, TransportError } from '../../src/dns/tcp.js';

/**
 * Queries to the primary over a few persistent TCP connections, many in flight on each (RFC 7766
 * §6.2.1.1 pipelining). A read of 10 000 names is 20 000 queries: one connection each cost a
 * connect, a close and a slot in BIND's listen queue (`tcp-listen-queue` 10), which capped the
 * read at about 8 pending. Here the queries share at most `connections` connections, with at most
 * `inFlightPerConnection` unanswered on each.
 *
 * - Answers may come in any order (RFC 7766 §7): they are matched by message ID, unique among the
 *   queries in flight. The caller checks the rest (question, TSIG over the request's MAC).
 * - A connection the server closes (idle timeout, a limit on queries per connection, a restart)
 *   is replaced and only its unanswered queries are sent again. A query is given up after
 *   `MAX_FRUITLESS_SENDS` connections that closed without answering anything, so a server that
 *   accepts and hangs up cannot keep it going round.
 * - A query unanswered within `timeoutMs` fails, and its connection is dropped: a late answer
 *   must never meet a reused ID, and a server that stalls one query stalls the ones behind it
 *   (those are sent again on a fresh connection).
 * - A connection that could not be made fails its queries at once (refused stays refused).
 * - Idle connections are closed after `idleMs` and never keep the process alive; `close()` closes
 *   all of them and fails whatever is still waiting.
 */

export interface PipelineLimits {
  readonly connections: number;
  readonly inFlightPerConnection: number;
  /** Another connection is opened once the least busy one has this many queries in flight. */
  readonly spreadAt: number;
  readonly idleMs: number;
}

/**
 * Four connections: named serves each TCP connection on one of its worker threads, so a single
 * one would leave a second core idle. 32 in flight each: BIND 9.18 works on up to 23 requests of
 * a connection at a time and stops reading it beyond that, so more would only wait in buffers.
 * Idle after 2 s: well under BIND's `tcp-idle-timeout` (30 s), so the client closes first.
 */
export const DEFAULT_LIMITS: PipelineLimits = { connections: 4, inFlightPerConnection: 32, spreadAt: 8, idleMs: 2_000 };

/** Sends on connections that closed without answering anything, before a query is given up. */
export const MAX_FRUITLESS_SENDS = 2;

/** What the pipeline did, for debug lines and tests. */
export interface PipelineStats {
  connectionsOpened: number;
  messagesWritten: number;
  /** Queries written again after their connection closed or was dropped unanswered. */
  resent: number;
}

interface Pending {
  /** Set when the query is first written: its ID (kept for every re-send) and its framed bytes. */
  sent: { readonly id: number; readonly framed: Buffer } | undefined;
  fruitlessSends: number;
  timer: NodeJS.Timeout | undefined;
  /** Builds the message for `id` (and signs it): called once, when the query is first written. */
  prepare(id: number): Buffer;
  answered(response: Buffer): void;
  failed(error: Error): void;
}

interface Connection {
  readonly socket: net.Socket;
  readonly inFlight: Map<number, Pending>;
  connected: boolean;
  answered: number;
  dead: boolean;
  corked: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
  buffered: Buffer;
}

export class QueryPipeline {
  readonly stats: PipelineStats = { connectionsOpened: 0, messagesWritten: 0, resent: 0 };
  readonly #server: ServerAddress;
  readonly #label: string;
  readonly #timeoutMs: number;
  readonly #limits: PipelineLimits;
  readonly #connections = new Set<Connection>();
  /** Waiting for room on a connection; queries sent again go first. */
  readonly #queue: Pending[] = [];
  /** IDs of the queries written and not yet settled (in flight, or waiting to be sent again). */
  readonly #ids = new Set<number>();

  constructor(server: ServerAddress, timeoutMs: number, limits: PipelineLimits = DEFAULT_LIMITS) {
    this.#server = server;
    this.#label = formatServerAddress(server);
    this.#timeoutMs = timeoutMs;
    this.#limits = limits;
  }

  /**
   * Sends the message `prepare` builds for the ID it is given and resolves with the answer that
   * carries that ID, along with what `prepare` returned. Rejects with a TransportError
   * (`requestSent` says whether the query was written before the failure).
   */
  exchange<R extends { readonly wire: Buffer }>(prepare: (id: number) => R): Promise<{ request: R; response: Buffer }> {
    return new Promise((resolve, reject) => {
      let request: R | undefined;
      this.#queue.push({
        sent: undefined,
        fruitlessSends: 0,
        timer: undefined,
        prepare: (id) => {
          request = prepare(id);
          return frameTcp(request.wire);
        },
        answered: (response) => (request ? resolve({ request, response }) : reject(new Error('an answer came before the query was sent'))),
        failed: reject,
      });
      this.#pump();
    });
  }

  /** Closes every connection; queries still waiting fail. The pipeline can be used again after. */
  close(): Promise<void> {
    // The queue first: dropping a connection sends what waits, and nothing is to be sent now.
    for (const pending of this.#queue.splice(0)) {
      this.#fail(pending, new TransportError('network', `the connection to ${this.#label} was closed before the query was sent`, pending.sent !== undefined));
    }
    for (const connection of [...this.#connections]) {
      this.#abandon(connection, (pending) => {
        this.#fail(pending, new TransportError('network', `the connection to ${this.#label} was closed before it answered`, connection.connected));
        return false;
      });
    }
    return Promise.resolve();
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const connection = this.#connectionWithRoom();
      if (connection === undefined) return;
      this.#send(connection, this.#queue.shift()!);
    }
  }

  #connectionWithRoom(): Connection | undefined {
    let best: Connection | undefined;
    for (const connection of this.#connections) {
      if (best === undefined || connection.inFlight.size < best.inFlight.size) best = connection;
    }
    if ((best === undefined || best.inFlight.size >= this.#limits.spreadAt) && this.#connections.size < this.#limits.connections) return this.#open();
    return best !== undefined && best.inFlight.size < this.#limits.inFlightPerConnection ? best : undefined;
  }

  #send(connection: Connection, pending: Pending): void {
    if (pending.sent === undefined) {
      const id = this.#freeId();
      let framed: Buffer;
      try {
        framed = pending.prepare(id);
      } catch (error) {
        pending.failed(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      pending.sent = { id, framed };
      this.#ids.add(id);
    } else {
      this.stats.resent += 1;
    }
    const { id, framed } = pending.sent;
    clearTimeout(connection.idleTimer);
    connection.socket.ref();
    connection.inFlight.set(id, pending);
    pending.timer = setTimeout(() => this.#timedOut(connection, pending), this.#timeoutMs);
    // Queries written before the event loop next polls leave in one system call: each answer that
    // comes in frees a slot for the next query, and a write per query cost more than a query.
    if (!connection.corked) {
      connection.corked = true;
      connection.socket.cork();
      setImmediate(() => {
        connection.corked = false;
        connection.socket.uncork();
      });
    }
    connection.socket.write(framed);
    this.stats.messagesWritten += 1;
  }

  #freeId(): number {
    // At most connections × inFlightPerConnection IDs are taken, a small part of the 65 536.
    for (;;) {
      const id = randomUint16();
      if (!this.#ids.has(id)) return id;
    }
  }

  #open(): Connection {
    const socket = net.connect({ host: this.#server.host, port: this.#server.port, noDelay: true });
    const connection: Connection = {
      socket,
      inFlight: new Map(),
      connected: false,
      answered: 0,
      dead: false,
      corked: false,
      idleTimer: undefined,
      lastError: undefined,
      buffered: Buffer.alloc(0),
    };
    this.#connections.add(connection);
    this.stats.connectionsOpened += 1;
    socket.on('connect', () => {
      connection.connected = true;
    });
    socket.on('data', (chunk: Buffer) => this.#received(connection, chunk));
    socket.on('error', (error) => {
      connection.lastError = error.message;
    });
    socket.on('close', () => this.#closed(connection));
    return connection;
  }

  #received(connection: Connection, chunk: Buffer): void {
    const buffered = connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
    const { messages, rest } = completeFrames(buffered);
    for (const message of messages) {
      // A copy: the answer outlives the chunk it came in, which may hold many others.
      if (!this.#answer(connection, Buffer.from(message))) return;
    }
    connection.buffered = buffered.subarray(rest);
  }

  /** Hands an answer to its query; false when the connection had to be dropped. */
  #answer(connection: Connection, message: Buffer): boolean {
    if (message.length < 12 || (message[2]! & 0x80) === 0) {
      // Not a DNS response: nothing on this connection can be matched any more.
      this.#abandon(connection, (pending) => {
        this.#fail(pending, new TransportError('network', `${this.#label} sent a malformed answer`, true));
        return false;
      });
      return false;
    }
    const pending = connection.inFlight.get(message.readUInt16BE(0));
    // An ID nothing waits for: not an answer to any of our queries (IDs are never reused while a
    // connection lives), so it is not trusted with anything.
    if (pending === undefined || pending.sent === undefined) return true;
    connection.inFlight.delete(pending.sent.id);
    connection.answered += 1;
    clearTimeout(pending.timer);
    this.#ids.delete(pending.sent.id);
    pending.answered(message);
    if (connection.inFlight.size === 0) this.#idle(connection);
    this.#pump();
    return true;
  }

  #idle(connection: Connection): void {
    connection.socket.unref();
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => {
      if (connection.inFlight.size === 0) this.#abandon(connection, () => false);
    }, this.#limits.idleMs);
    connection.idleTimer.unref();
  }

  #timedOut(connection: Connection, pending: Pending): void {
    connection.inFlight.delete(pending.sent?.id ?? -1);
    const sent = connection.connected;
    this.#fail(pending, new TransportError('timeout', `no answer from ${this.#label} over TCP within ${this.#timeoutMs} ms${sent ? '' : ' (could not connect)'}`, sent));
    this.#abandon(connection, (other) => this.#retry(connection, other));
  }

  #closed(connection: Connection): void {
    if (connection.dead) return;
    if (!connection.connected) {
      // Refused or unreachable: another connection now would meet the same.
      const why = connection.lastError ?? 'the connection closed before it was made';
      this.#abandon(connection, (pending) => {
        this.#fail(pending, new TransportError('network', `${this.#label}: ${why}`, false));
        return false;
      });
      return;
    }
    this.#abandon(connection, (pending) => this.#retry(connection, pending));
  }

  /** True when `pending`, unanswered on `connection`, is to be sent again; otherwise it has failed. */
  #retry(connection: Connection, pending: Pending): boolean {
    if (connection.answered === 0) pending.fruitlessSends += 1;
    if (pending.fruitlessSends < MAX_FRUITLESS_SENDS) return true;
    const why = connection.lastError !== undefined ? `${this.#label}: ${connection.lastError}` : `${this.#label} closed the TCP connection before answering`;
    this.#fail(pending, new TransportError('network', why, true));
    return false;
  }

  /** Drops `connection`; `fate` settles each query still in flight on it or returns true to send it again. */
  #abandon(connection: Connection, fate: (pending: Pending) => boolean): void {
    connection.dead = true;
    this.#connections.delete(connection);
    clearTimeout(connection.idleTimer);
    const orphans = [...connection.inFlight.values()];
    connection.inFlight.clear();
    connection.socket.destroy();
    const again = orphans.filter((pending) => {
      clearTimeout(pending.timer);
      return fate(pending);
    });
    this.#queue.unshift(...again);
    this.#pump();
  }

  #fail(pending: Pending, error: TransportError): void {
    clearTimeout(pending.timer);
    if (pending.sent !== undefined) this.#ids.delete(pending.sent.id);
    pending.failed(error);
  }
}
