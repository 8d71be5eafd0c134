import dgram from 'node:dgram';
import { randomUint16 } from '../dns/query.js';
import { inspectResponse, sameQuestion, type AcceptedVerdict } from '../dns/response.js';
import { uint16 } from '../dns/wire.js';
import { DeadlineQueue, type Expiring } from './deadlines.js';
import type { Upstream } from './upstream.js';

/** How one UDP exchange ended. Never a rejection: timeouts are ordinary outcomes here. */
export type UdpOutcome = { readonly kind: 'answer'; readonly verdict: AcceptedVerdict } | { readonly kind: 'timeout' } | { readonly kind: 'network'; readonly message: string };

export interface UdpPoolSettings {
  /** Sockets in rotation per server; each query goes to one of them at random. */
  readonly socketsPerServer: number;
  /** Queries one socket sends at most; the next query picked for its slot gets a new socket. */
  readonly queriesPerSocket: number;
  /** A socket this old takes no new query either, however few it has sent. */
  readonly maxSocketAgeMs: number;
  readonly timeoutMs: number;
  /** A socket with nothing in flight for this long is closed. */
  readonly idleCloseMs: number;
  /** The client subnet option data every query carries (answers must echo it); undefined without one. */
  readonly clientSubnet: Uint8Array | undefined;
}

/** One socket of the pool, connected to one server, with the exchanges in flight on it (by query ID). */
interface Carrier {
  readonly socket: dgram.Socket;
  readonly pending: Map<number, Exchange>;
  /** Until connect() completes, sends wait here. */
  connected: boolean;
  readonly unsent: Exchange[];
  /** IDs of queries on this socket that timed out: an answer to one is late, not noise. */
  readonly expired: Set<number>;
  readonly openedAt: number;
  sent: number;
  /** Out of rotation: takes no new query, closes when `pending` is empty. */
  retired: boolean;
  closed: boolean;
  idleSince: number;
}

interface Exchange extends Expiring<Exchange> {
  readonly carrier: Carrier;
  readonly id: number;
  readonly server: Upstream;
  readonly query: Uint8Array;
  /** The queried name, normalised: lets the answer's names that point at the question skip decoding. */
  readonly name: string;
  /** Why received messages were not taken as this query's answer, and how often. */
  readonly ignored: Map<string, number>;
  readonly settle: (outcome: UdpOutcome) => void;
  /** performance.now() by which an answer must be in. */
  readonly deadline: number;
  settled: boolean;
  nextToExpire: Exchange | undefined;
  /** The exchange queued to be sent after this one, in this turn of the event loop. */
  nextToSend: Exchange | undefined;
}

const TIMEOUT: UdpOutcome = { kind: 'timeout' };

/**
 * UDP exchanges over a small pool of sockets per server, each connected to that server, bound by
 * the OS to a random port and carrying many queries at once (as c-ares and Unbound do), instead
 * of opening, binding and closing a socket per query, which cost more than everything else a
 * query does.
 *
 * docs/design/resolution.md asks for a random ID and source port per query, against off-path spoofing. Here:
 * - every query gets a fresh random ID (CSPRNG), unique among the queries in flight on its socket;
 * - every query goes to a socket picked at random from those in rotation;
 * - a socket leaves the rotation after `queriesPerSocket` queries or `maxSocketAgeMs`, whichever
 *   comes first, and a new one on a new random port takes its place; a socket idle for
 *   `idleCloseMs` is closed. No port lives long enough to be worth finding (e.g. by an ICMP
 *   side channel, as in SAD DNS) or serves many queries once found;
 * - an answer is taken only when its ID is in flight on the socket it came to, its source is the
 *   server that query went to (the kernel already drops other sources on a connected socket;
 *   checked again here), and its question is that query's; anything else is ignored.
 *
 * Sockets are unreferenced, so they never keep a process alive; the timeout timer, referenced,
 * does so exactly while an exchange is waiting.
 */
export class UdpSocketPool {
  /** Per server (Upstream objects live as long as their resolver): the sockets in rotation. */
  private readonly rotation = new Map<Upstream, Array<Carrier | undefined>>();
  private readonly idle = new Set<Carrier>();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly deadlines: DeadlineQueue<Exchange>;
  /** Exchanges to send at the end of this turn of the event loop, linked through nextToSend. */
  private firstToSend: Exchange | undefined;
  private lastToSend: Exchange | undefined;
  private flushing: NodeJS.Immediate | undefined;

  /** `servers`: those this pool will be asked to reach (others work too, set up on first use). */
  constructor(
    private readonly settings: UdpPoolSettings,
    servers: readonly Upstream[],
  ) {
    for (const [name, value] of [
      ['socketsPerServer', settings.socketsPerServer],
      ['queriesPerSocket', settings.queriesPerSocket],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
    if (!(settings.maxSocketAgeMs >= 0)) throw new RangeError(`maxSocketAgeMs must be 0 or more, got ${settings.maxSocketAgeMs}`);
    this.deadlines = new DeadlineQueue<Exchange>((exchange) => this.expire(exchange));
    for (const server of servers) this.addServer(server);
  }

  /**
   * Sends `query` to `server` with a fresh random ID, written into its first two bytes (so the
   * caller must not reuse a buffer that may still be queued for sending), and resolves with the
   * first message that answers it, or with the timeout or network error. Messages that are not
   * its answer but were plausibly aimed at it are tallied in `ignored`.
   */
  exchange(server: Upstream, query: Uint8Array, name: string, ignored: Map<string, number>): Promise<UdpOutcome> {
    const carrier = this.pick(server);
    let id: number;
    do id = randomUint16();
    while (carrier.pending.has(id));
    query[0] = id >> 8;
    query[1] = id & 0xff;
    return new Promise<UdpOutcome>((settle) => {
      const deadline = performance.now() + this.settings.timeoutMs;
      const exchange: Exchange = { carrier, id, server, query, name, ignored, settle, deadline, settled: false, nextToExpire: undefined, nextToSend: undefined };
      // Unconditionally, not only when idle: see "Steady code paths" in docs/design/wire-codec.md.
      this.idle.delete(carrier);
      carrier.pending.set(id, exchange);
      this.deadlines.add(exchange);
      if (this.lastToSend === undefined) this.firstToSend = exchange;
      else this.lastToSend.nextToSend = exchange;
      this.lastToSend = exchange;
      this.flushing ??= setImmediate(this.flush);
    });
  }

  /**
   * Sends what exchange() queued during this turn of the event loop. Answers arrive in bursts, and
   * the queries they make room for then leave in a burst: the server wakes once for many of them
   * instead of once each (measured on loopback against BIND: 10–15 % less CPU time per query).
   */
  private readonly flush = (): void => {
    this.flushing = undefined;
    let exchange = this.firstToSend;
    this.firstToSend = undefined;
    this.lastToSend = undefined;
    for (; exchange !== undefined; exchange = exchange.nextToSend) {
      const carrier = exchange.carrier;
      if (exchange.settled || carrier.closed) continue;
      // No send callback: Node would schedule a tick per datagram to call it. A failed send is
      // then a timeout; an ICMP error from the server still arrives as the socket's 'error'.
      if (carrier.connected) carrier.socket.send(exchange.query);
      else carrier.unsent.push(exchange);
    }
  };

  /**
   * A socket in rotation for `server`, chosen at random. One that has sent its share of queries
   * or reached its age limit is replaced first (see replace()).
   */
  private pick(server: Upstream): Carrier {
    const slots = this.rotation.get(server) ?? this.addServer(server);
    const slot = randomUint16() % slots.length;
    const carrier = slots[slot];
    if (carrier === undefined || carrier.sent >= this.settings.queriesPerSocket || performance.now() - carrier.openedAt >= this.settings.maxSocketAgeMs) {
      return this.replace(server, slots, slot);
    }
    carrier.sent++;
    return carrier;
  }

  private addServer(server: Upstream): Array<Carrier | undefined> {
    const slots = Array<Carrier | undefined>(this.settings.socketsPerServer).fill(undefined);
    this.rotation.set(server, slots);
    return slots;
  }

  /**
   * Puts a new socket in `slot`, retiring the one there (it closes now if nothing is in flight on
   * it, else with its last answer). Every change of socket goes through here, from the first
   * query on: see "Steady code paths" in docs/design/wire-codec.md.
   */
  private replace(server: Upstream, slots: Array<Carrier | undefined>, slot: number): Carrier {
    const old = slots[slot];
    if (old !== undefined) {
      this.retire(old);
      if (old.pending.size === 0) this.close(old);
    }
    const carrier = this.open(server);
    carrier.sent = 1;
    slots[slot] = carrier;
    return carrier;
  }

  /**
   * A new socket, connected to `server`: the OS binds it to a random port, the kernel then drops
   * datagrams from any other source, and each send skips the per-datagram destination lookup.
   */
  private open(server: Upstream): Carrier {
    const socket = dgram.createSocket(server.socketType);
    socket.unref();
    const fail = (error: Error): void => {
      // Nothing tells which query a socket error belongs to (on a connected socket it is mostly
      // an ICMP port unreachable from the server): every query on it fails over, and the socket
      // closes (retired first, so the last failure closes it).
      if (carrier.closed) return;
      this.retire(carrier);
      for (const exchange of [...carrier.pending.values()]) {
        this.finish(exchange, { kind: 'network', message: `${exchange.server.text}: ${error.message}` });
      }
      this.close(carrier);
    };
    // Both start as performance.now() values, never 0: see "Steady object shapes" in docs/design/wire-codec.md.
    const now = performance.now();
    const carrier: Carrier = {
      socket,
      pending: new Map(),
      connected: false,
      unsent: [],
      expired: new Set(),
      openedAt: now,
      sent: 0,
      retired: false,
      closed: false,
      idleSince: now,
    };
    socket.on('message', (message, remote) => this.onMessage(carrier, message, remote));
    socket.on('error', fail);
    // Node hands a failed connect to this callback, not to the 'error' listener.
    socket.connect(server.address.port, server.address.host, (error?: Error) => {
      if (error) return fail(error);
      carrier.connected = true;
      for (const exchange of carrier.unsent) if (!exchange.settled) socket.send(exchange.query);
      carrier.unsent.length = 0;
    });
    return carrier;
  }

  private onMessage(carrier: Carrier, message: Buffer, remote: dgram.RemoteInfo): void {
    if (message.length < 2) return;
    const exchange = carrier.pending.get(uint16(message, 0));
    if (exchange === undefined) {
      this.noteStray(carrier, message, remote);
      return;
    }
    // From anywhere but the server asked: not even noise of that server (and never trusted).
    if (!fromServer(remote, exchange.server)) return;
    const verdict = inspectResponse(message, exchange.query, exchange.name, this.settings.clientSubnet);
    if (verdict.kind === 'ignored') {
      exchange.ignored.set(verdict.why, (exchange.ignored.get(verdict.why) ?? 0) + 1);
      return;
    }
    this.finish(exchange, { kind: 'answer', verdict });
  }

  /**
   * A response with an ID not in flight here is ignored; it is counted as a wrong ID against the
   * queries it was aimed at (same server, same question), so a failure can say what was seen.
   */
  private noteStray(carrier: Carrier, message: Buffer, remote: dgram.RemoteInfo): void {
    // A slow server's answer to a try that already timed out: neither trusted nor worth reporting
    // (the retry of that question, in flight with another ID, would blame it on a wrong ID).
    if (message.length < 12 || uint16(message, 4) !== 1 || carrier.expired.has(uint16(message, 0))) return;
    for (const exchange of carrier.pending.values()) {
      if (fromServer(remote, exchange.server) && sameQuestion(message, exchange.query)) {
        exchange.ignored.set('wrong ID', (exchange.ignored.get('wrong ID') ?? 0) + 1);
      }
    }
  }

  /** A socket lives for at most a few hundred queries, so its set of timed-out IDs stays small. */
  private expire(exchange: Exchange): void {
    exchange.carrier.expired.add(exchange.id);
    this.finish(exchange, TIMEOUT);
  }

  private finish(exchange: Exchange, outcome: UdpOutcome): void {
    if (exchange.settled) return;
    exchange.settled = true;
    const carrier = exchange.carrier;
    carrier.pending.delete(exchange.id);
    this.deadlines.trim();
    if (carrier.pending.size === 0) this.drained(carrier);
    exchange.settle(outcome);
  }

  /** Nothing is in flight on `carrier` any more: a retired socket closes, another may idle a while. */
  private drained(carrier: Carrier): void {
    if (carrier.retired) {
      this.close(carrier);
      return;
    }
    carrier.idleSince = performance.now();
    this.idle.add(carrier);
    if (this.idleTimer === undefined) {
      this.idleTimer = setTimeout(this.closeIdle, this.settings.idleCloseMs);
      this.idleTimer.unref();
    }
  }

  private readonly closeIdle = (): void => {
    this.idleTimer = undefined;
    const now = performance.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const carrier of this.idle) {
      const due = carrier.idleSince + this.settings.idleCloseMs;
      if (due <= now + 1) {
        this.retire(carrier);
        this.close(carrier);
      } else {
        nextDue = Math.min(nextDue, due);
      }
    }
    if (nextDue !== Number.POSITIVE_INFINITY) {
      this.idleTimer = setTimeout(this.closeIdle, Math.max(1, nextDue - now));
      this.idleTimer.unref();
    }
  };

  /** Takes `carrier` out of rotation; the caller closes it, or finish() does with its last answer. */
  private retire(carrier: Carrier): void {
    carrier.retired = true;
    for (const slots of this.rotation.values()) {
      const slot = slots.indexOf(carrier);
      if (slot >= 0) slots[slot] = undefined;
    }
  }

  private close(carrier: Carrier): void {
    this.idle.delete(carrier);
    if (carrier.closed) return;
    carrier.closed = true;
    carrier.socket.close();
  }
}

function fromServer(remote: dgram.RemoteInfo, server: Upstream): boolean {
  const { host, port } = server.address;
  if (remote.port !== port) return false;
  if (remote.address === host) return true;
  // A v4 server answered on a dual-stack socket shows up as ::ffff:a.b.c.d.
  return remote.address.replace(/^::ffff:/i, '') === host.replace(/^::ffff:/i, '');
}
