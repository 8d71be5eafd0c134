/**
 * An in-process DNS server for tests: UDP and TCP on one free loopback port, answering like a
 * recursive resolver from names set by the test (CNAME chains followed locally, NXDOMAIN for
 * unknown names, NODATA for known names without the asked type), and misbehaving on demand.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type PacketOpt } from 'dns-packet';

type AddressFamily = 'A' | 'AAAA';

/**
 * How the server treats queries for one name (the question name).
 * - rcodes: 'servfail' | 'refused' | 'formerr' | 'notimp' | { rcode } — that rcode, no answers
 *   (an rcode above 15 is split between the header and the OPT record, when the query had one).
 * - 'drop': never answers (UDP or TCP; the TCP connection stays open).
 * - 'truncate': UDP answers TC=1 without records; TCP answers normally.
 * - 'truncate-tcp-fail': TC=1 over UDP; over TCP the query is read and the connection closed.
 * - 'truncate-tcp-garbage' / 'truncate-tcp-wrong-id': TC=1 over UDP; over TCP a malformed
 *   message / the right answer with the wrong ID.
 * - 'wrong-id' / 'wrong-question': the right answer with another ID / another question name.
 * - 'wrong-source': over UDP, the right answer sent from another port of the same host.
 * - 'garbage': the right ID and question, then records that run past the end of the message.
 * - 'bad-then-good': over UDP, a wrong-ID, a wrong-question and a garbage message, then the
 *   right answer; over TCP just the right answer.
 * - 'other-name-answers': the right answer preceded by records for names outside the chain
 *   (intruder.invalid A/AAAA, and a CNAME elsewhere.invalid → intruder.invalid).
 * - 'bad-rdata': one address record whose RDLENGTH is one byte too long (A: 5, AAAA: 17).
 * - 'upper-case-answers': every name in the answer (question, owners, CNAME targets) in upper case.
 * - 'no-question-formerr': FORMERR without a question section (as some old servers send).
 * - { delayMs }: the right answer, that much later.
 * - { ecs }: the right answer, its OPT record carrying this client subnet option instead of the
 *   query's (echoed with scope = source by default, as a resolver that uses it does); null: an
 *   OPT record without one, as from a server that does not use client subnets.
 * An UPDATE (any name) is answered NOERROR and changes nothing, as a server whose update policy
 * silently skips records does; it is logged in `queries` with type 'UPDATE'.
 */
export type Behaviour =
  | 'servfail'
  | 'refused'
  | 'formerr'
  | 'notimp'
  | 'drop'
  | 'truncate'
  | 'truncate-tcp-fail'
  | 'truncate-tcp-garbage'
  | 'truncate-tcp-wrong-id'
  | 'wrong-id'
  | 'wrong-question'
  | 'wrong-source'
  | 'garbage'
  | 'bad-then-good'
  | 'other-name-answers'
  | 'bad-rdata'
  | 'upper-case-answers'
  | 'no-question-formerr'
  | { readonly rcode: number }
  | { readonly delayMs: number }
  | { readonly ecs: EcsOption | null };

/** An EDNS Client Subnet option as a test writes it (RFC 7871 §6). */
export interface EcsOption {
  readonly family: number;
  readonly sourcePrefixLength: number;
  readonly scopePrefixLength: number;
  /** Written as dns-packet writes it: the address cut to ceil(source / 8) bytes. */
  readonly address: string;
}

export interface ReceivedQuery {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
  readonly id: number;
  readonly sourcePort: number;
  readonly recursionDesired: boolean;
  /** The EDNS0 UDP payload size of the query's OPT record; undefined without one. */
  readonly udpPayloadSize?: number;
  readonly ecs?: { readonly family: number; readonly sourcePrefixLength: number; readonly address: string };
}

export interface CnameOptions {
  /**
   * false: answer only this CNAME and stop, as a server does when the target lives in a zone it
   * cannot see; the client must ask again for the target. Default true.
   */
  readonly follow?: boolean;
}

export interface TestDnsServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT` or `[::1]:PORT`, as resolver.servers takes it. */
  readonly address: string;
  /** Replaces that family's set at `name` (creating the name); [] removes it (NODATA). */
  setAddresses(name: string, family: AddressFamily, addresses: readonly string[], ttl?: number): void;
  /** Like setAddresses, but each answer holds `count` of `pool` picked at random (a rotating pool). */
  setRotatingPool(name: string, family: AddressFamily, pool: readonly string[], count: number, ttl?: number): void;
  setCname(name: string, target: string, ttl?: number, options?: CnameOptions): void;
  /** Replaces the HTTPS RRset at `name` with these RDATA (wire form, served as they are, well-formed or not); [] removes it. */
  setHttps(name: string, rdata: readonly Uint8Array[], ttl?: number): void;
  /** Forgets the name entirely → NXDOMAIN. */
  remove(name: string): void;
  /** null restores normal answers. */
  setBehaviour(name: string, behaviour: Behaviour | null): void;
  /** Every query received, in order. */
  readonly queries: readonly ReceivedQuery[];
  resetQueries(): void;
  /** Sends `message` from the server's own UDP port to `port` on its host (e.g. a late answer). */
  sendUdp(message: Uint8Array, port: number): Promise<void>;
  close(): Promise<void>;
}

export interface TestDnsServerOptions {
  /** '127.0.0.1' (default) or '::1'. */
  readonly host?: string;
}

interface NameData {
  /** The spelling given by the test, used as the owner in answers (mixed case stays mixed). */
  owner: string;
  A?: AddressSet;
  AAAA?: AddressSet;
  cname?: { target: string; ttl: number; follow: boolean };
  https?: { rdata: readonly Uint8Array[]; ttl: number };
}

/** dns-packet has no HTTPS type: it reads and writes type 65 as this, with raw RDATA. */
const HTTPS_QTYPE = 'UNKNOWN_65';

/** `rotate`: each answer holds that many of `addresses`, picked at random. */
interface AddressSet {
  addresses: readonly string[];
  ttl: number;
  rotate?: number;
}

/** `count` items of `pool` in random order. */
function sample(pool: readonly string[], count: number): string[] {
  const rest = [...pool];
  const out: string[] = [];
  while (out.length < count && rest.length > 0) out.push(rest.splice(Math.floor(Math.random() * rest.length), 1)[0]!);
  return out;
}

type Reply = (message: Buffer) => void;

const DEFAULT_TTL = 300;
const NO_EDNS_UDP_LIMIT = 512;
const MAX_LOCAL_CHASE = 64;

function key(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

export async function startTestDnsServer(options: TestDnsServerOptions = {}): Promise<TestDnsServer> {
  const host = options.host ?? '127.0.0.1';
  const { udp, tcp, port } = await bindSamePort(host);
  const names = new Map<string, NameData>();
  const behaviours = new Map<string, Behaviour>();
  const queries: ReceivedQuery[] = [];
  const connections = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) action();
    }, ms);
    timers.add(timer);
  };

  const entry = (name: string): NameData => {
    const k = key(name);
    let data = names.get(k);
    if (!data) {
      data = { owner: name.trim().replace(/\.$/, '') };
      names.set(k, data);
    }
    return data;
  };

  /** The answer a well-behaved recursive server would give. */
  const resolveLocally = (qname: string, qtype: string): { rcode: string; answers: Answer[] } => {
    const answers: Answer[] = [];
    const visited = new Set<string>();
    let current = qname;
    for (let step = 0; step < MAX_LOCAL_CHASE; step++) {
      const data = names.get(key(current));
      if (!data) return { rcode: 'NXDOMAIN', answers }; // RFC 6604: the rcode speaks for the chain's last name
      if (data.cname && qtype !== 'CNAME') {
        answers.push({ name: data.owner, type: 'CNAME', ttl: data.cname.ttl, data: data.cname.target });
        visited.add(key(current));
        if (!data.cname.follow || visited.has(key(data.cname.target))) return { rcode: 'NOERROR', answers };
        current = data.cname.target;
        continue;
      }
      if (qtype === HTTPS_QTYPE) {
        for (const rdata of data.https?.rdata ?? []) answers.push({ name: data.owner, type: HTTPS_QTYPE, ttl: data.https!.ttl, data: Buffer.from(rdata) } as unknown as Answer);
        return { rcode: 'NOERROR', answers };
      }
      const set = qtype === 'A' || qtype === 'AAAA' ? data[qtype] : undefined;
      const chosen = set?.rotate === undefined ? (set?.addresses ?? []) : sample(set.addresses, set.rotate);
      for (const address of chosen) answers.push({ name: data.owner, type: qtype as AddressFamily, ttl: set!.ttl, data: address });
      return { rcode: 'NOERROR', answers };
    }
    return { rcode: 'NOERROR', answers };
  };

  const handle = (message: Buffer, transport: 'udp' | 'tcp', sourcePort: number, reply: Reply, hangUp: () => void, replyFromElsewhere: Reply): void => {
    if (message.length >= 12 && ((message[2]! >> 3) & 0x0f) === OPCODE_UPDATE) {
      // Like a server whose update policy skips what it does not allow: NOERROR, nothing changed.
      queries.push({ name: '', type: 'UPDATE', transport, id: message.readUInt16BE(0), sourcePort, recursionDesired: false });
      reply(acceptedUpdate(message));
      return;
    }
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      queries.push({ name: '', type: '?', transport, id: message.length >= 2 ? message.readUInt16BE(0) : 0, sourcePort, recursionDesired: false });
      return;
    }
    const question = query.questions?.[0];
    const opt = query.additionals?.find((record) => record.type === 'OPT');
    const ecs = opt && 'options' in opt ? opt.options.find((option) => option.code === 8) : undefined;
    queries.push({
      name: question?.name ?? '',
      type: question?.type ?? '?',
      transport,
      id: query.id ?? 0,
      sourcePort,
      recursionDesired: query.flag_rd,
      ...(opt && 'udpPayloadSize' in opt ? { udpPayloadSize: opt.udpPayloadSize } : {}),
      ...(ecs && 'ip' in ecs ? { ecs: { family: ecs.family ?? 0, sourcePrefixLength: ecs.sourcePrefixLength ?? 0, address: ecs.ip ?? '' } } : {}),
    });
    if (!question) return;

    const id = query.id ?? 0;
    const udpLimit = opt && 'udpPayloadSize' in opt ? Math.max(NO_EDNS_UDP_LIMIT, opt.udpPayloadSize) : NO_EDNS_UDP_LIMIT;
    const responseOpt: Answer[] = opt
      ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: ecs ? [echoEcs(ecs)] : [] }]
      : [];
    const encode = (fields: { id?: number; rcode?: string | number; answers?: Answer[]; truncated?: boolean; questionName?: string; opt?: Answer[] }): Buffer =>
      dnsPacket.encode({
        type: 'response',
        id: fields.id ?? id,
        flags: responseFlags(query.flag_rd, fields.truncated ?? false, fields.rcode ?? 'NOERROR'),
        questions: [{ ...question, name: fields.questionName ?? question.name }],
        answers: fields.answers ?? [],
        // rcodes above 15 keep their upper bits in the OPT record (RFC 6891 §6.1.3).
        additionals: (fields.opt ?? responseOpt).map((record) =>
          typeof fields.rcode === 'number' && fields.rcode > 15 ? { ...record, extendedRcode: fields.rcode >> 4 } : record,
        ) as Answer[],
      } satisfies Packet);
    const normal = (): Buffer => {
      const { rcode, answers } = resolveLocally(question.name, question.type);
      const full = encode({ rcode, answers });
      // Like a real server: an answer too large for the client's UDP buffer is sent truncated.
      return transport === 'udp' && full.length > udpLimit ? encode({ rcode, truncated: true }) : full;
    };
    const truncatedOverUdp = (): Buffer => encode({ truncated: true });
    const garbage = (): Buffer => {
      const head = encode({});
      const junk = Buffer.from(head);
      junk.writeUInt16BE(3, 6); // claims three answers, carries two bytes of one
      return Buffer.concat([junk, Buffer.from([0xc0, 0x0c])]);
    };

    const behaviour = behaviours.get(key(question.name));
    if (behaviour === undefined) return reply(normal());
    if (typeof behaviour === 'object') {
      if ('delayMs' in behaviour) return later(behaviour.delayMs, () => reply(normal()));
      if ('ecs' in behaviour) {
        const ecsAnswer = behaviour.ecs;
        const options: PacketOpt[] = ecsAnswer
          ? [{ code: 8, family: ecsAnswer.family, sourcePrefixLength: ecsAnswer.sourcePrefixLength, scopePrefixLength: ecsAnswer.scopePrefixLength, ip: ecsAnswer.address }]
          : [];
        const opt: Answer[] = [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options }];
        return reply(encode({ ...resolveLocally(question.name, question.type), opt }));
      }
      return reply(encode({ rcode: behaviour.rcode }));
    }
    switch (behaviour) {
      case 'servfail':
      case 'refused':
      case 'formerr':
      case 'notimp':
        return reply(encode({ rcode: behaviour.toUpperCase() }));
      case 'no-question-formerr': {
        const header = Buffer.alloc(12);
        header.writeUInt16BE(id, 0);
        header.writeUInt16BE(0x8000 | (query.flag_rd ? 0x0100 : 0) | 1, 2);
        return reply(header);
      }
      case 'drop':
        return;
      case 'truncate':
        return reply(transport === 'udp' ? truncatedOverUdp() : normal());
      case 'truncate-tcp-fail':
        return transport === 'udp' ? reply(truncatedOverUdp()) : hangUp();
      case 'truncate-tcp-garbage':
        return reply(transport === 'udp' ? truncatedOverUdp() : garbage());
      case 'truncate-tcp-wrong-id':
        return reply(transport === 'udp' ? truncatedOverUdp() : encodeWithId(normal(), (id + 1) & 0xffff));
      case 'wrong-id':
        return reply(encodeWithId(normal(), (id + 1) & 0xffff));
      case 'wrong-source':
        return transport === 'udp' ? replyFromElsewhere(normal()) : reply(normal());
      case 'wrong-question':
        return reply(encode({ ...resolveLocally(question.name, question.type), questionName: `wrong.${question.name}` }));
      case 'garbage':
        return reply(garbage());
      case 'bad-then-good':
        if (transport === 'udp') {
          reply(encodeWithId(normal(), (id + 1) & 0xffff));
          reply(encode({ ...resolveLocally(question.name, question.type), questionName: `wrong.${question.name}` }));
          reply(garbage());
        }
        return reply(normal());
      case 'other-name-answers': {
        const { rcode, answers } = resolveLocally(question.name, question.type);
        const intruders: Answer[] = [
          { name: 'elsewhere.invalid', type: 'CNAME', ttl: 60, data: 'intruder.invalid' },
          { name: 'intruder.invalid', type: 'A', ttl: 60, data: '203.0.113.66' },
          { name: 'intruder.invalid', type: 'AAAA', ttl: 60, data: '2001:db8::66' },
        ];
        return reply(encode({ rcode, answers: [...intruders, ...answers] }));
      }
      case 'bad-rdata':
        return reply(withBadAddressRdata(message, id, question.type, query.flag_rd));
      case 'upper-case-answers': {
        const { rcode, answers } = resolveLocally(question.name, question.type);
        const shouted = answers.map(
          (record) => ({ ...record, name: record.name.toUpperCase(), ...(record.type === 'CNAME' ? { data: record.data.toUpperCase() } : {}) }) as Answer,
        );
        return reply(encode({ rcode, answers: shouted, questionName: question.name.toUpperCase() }));
      }
    }
  };

  // A send to a client that is gone (ICMP unreachable) must not crash the test process.
  udp.on('error', () => undefined);
  // A second socket on another port, for answers that come from the wrong source.
  const impostor = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  impostor.on('error', () => undefined);
  await new Promise<void>((resolve) => impostor.bind(0, host, () => resolve()));
  udp.on('message', (message, remote) => {
    handle(
      message,
      'udp',
      remote.port,
      (response) => {
        if (!closed) udp.send(response, remote.port, remote.address);
      },
      () => undefined,
      (response) => {
        if (!closed) impostor.send(response, remote.port, remote.address);
      },
    );
  });

  tcp.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        handle(
          message,
          'tcp',
          socket.remotePort ?? 0,
          (response) => {
            if (socket.destroyed) return;
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(response.length);
            socket.write(Buffer.concat([prefix, response]));
          },
          () => socket.destroy(),
          () => undefined,
        );
      }
    });
  });

  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    host,
    port,
    address,
    setAddresses(name, family, addresses, ttl = DEFAULT_TTL) {
      const data = entry(name);
      if (addresses.length === 0) delete data[family];
      else data[family] = { addresses: [...addresses], ttl };
    },
    setRotatingPool(name, family, pool, count, ttl = DEFAULT_TTL) {
      entry(name)[family] = { addresses: [...pool], ttl, rotate: count };
    },
    setCname(name, target, ttl = DEFAULT_TTL, cnameOptions = {}) {
      entry(name).cname = { target: target.trim().replace(/\.$/, ''), ttl, follow: cnameOptions.follow ?? true };
    },
    setHttps(name, rdata, ttl = DEFAULT_TTL) {
      const data = entry(name);
      if (rdata.length === 0) delete data.https;
      else data.https = { rdata: [...rdata], ttl };
    },
    remove(name) {
      names.delete(key(name));
    },
    setBehaviour(name, behaviour) {
      if (behaviour === null) behaviours.delete(key(name));
      else behaviours.set(key(name), behaviour);
    },
    queries,
    resetQueries() {
      queries.length = 0;
    },
    sendUdp(message, toPort) {
      return new Promise<void>((resolve, reject) => udp.send(message, toPort, host, (error) => (error ? reject(error) : resolve())));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of connections) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => impostor.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

function responseFlags(recursionDesired: boolean, truncated: boolean, rcode: string | number): number {
  const code = typeof rcode === 'number' ? rcode : (RCODES[rcode] ?? 0);
  return (
    dnsPacket.AUTHORITATIVE_ANSWER |
    dnsPacket.RECURSION_AVAILABLE |
    (recursionDesired ? dnsPacket.RECURSION_DESIRED : 0) |
    (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (code & 0x0f)
  );
}

const RCODES: Readonly<Record<string, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

function encodeWithId(message: Buffer, id: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(id, 0);
  return copy;
}

function echoEcs(option: PacketOpt): PacketOpt {
  if (!('ip' in option)) return option;
  return { code: 8, family: option.family ?? 1, sourcePrefixLength: option.sourcePrefixLength ?? 0, scopePrefixLength: option.sourcePrefixLength ?? 0, ip: option.ip };
}

/** A response whose single address record has one byte too many (dns-packet cannot write it). */
function withBadAddressRdata(query: Buffer, id: number, type: string, recursionDesired: boolean): Buffer {
  const questionEnd = questionEndOffset(query);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8000 | dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (recursionDesired ? dnsPacket.RECURSION_DESIRED : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  const isA = type === 'A';
  const rdata = Buffer.alloc(isA ? 5 : 17, 7);
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0); // owner: pointer to the question name
  record.writeUInt16BE(isA ? 1 : 28, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([header, query.subarray(12, questionEnd), record, rdata]);
}

const OPCODE_UPDATE = 5;

/** NOERROR to an UPDATE: its header (ID, opcode) and zone section, as a response, nothing else. */
function acceptedUpdate(update: Buffer): Buffer {
  const response = Buffer.from(update.subarray(0, questionEndOffset(update)));
  response.writeUInt16BE((update.readUInt16BE(2) & 0x7800) | 0x8000, 2);
  response.writeUInt16BE(0, 6);
  response.writeUInt16BE(0, 8);
  response.writeUInt16BE(0, 10);
  return response;
}

function questionEndOffset(message: Buffer): number {
  let offset = 12;
  while (message[offset] !== 0) offset += 1 + message[offset]!;
  return offset + 1 + 4;
}

async function bindSamePort(host: string): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    if (listening) return { udp, tcp, port };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
  throw new Error(`could not bind UDP and TCP on one free port of ${host}`);
}
