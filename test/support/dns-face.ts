/**
 * An authoritative DNS face for a fake provider: a UDP server on a free loopback port that answers
 * A/AAAA (AA=1, RD ignored) from the provider's current state, as its nameservers would. The
 * state is read on every query; a change becomes visible only `delayMs` after the face first saw
 * it, so a test can watch a write go from propagating to served. It can also be told to answer
 * an old state forever (a lagging server) or to stop answering.
 */
import dgram from 'node:dgram';
import dnsPacket, { type Answer } from 'dns-packet';

export interface FaceRecordSet {
  readonly ttl: number;
  readonly values: readonly string[];
}
/** name (lower case, no trailing dot) → type → set. */
export type FaceState = ReadonlyMap<string, Readonly<Partial<Record<'A' | 'AAAA', FaceRecordSet>>>>;

export interface DnsFaceOptions {
  /** The zone it is authoritative for (names outside get REFUSED). */
  readonly zone: string;
  readonly state: () => FaceState;
  readonly delayMs?: number;
  /** Names answered for NS at the zone apex (their addresses come from `state`). */
  readonly nameServers?: readonly string[];
}

export interface DnsFace {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, as verify.servers takes it. */
  readonly address: string;
  /** Queries answered, per `name type`. */
  readonly queries: Map<string, number>;
  setDelay(ms: number): void;
  /** true: answers stop (queries time out). */
  setSilent(silent: boolean): void;
  /** true: keeps answering the state it serves now, whatever changes later. */
  setFrozen(frozen: boolean): void;
  close(): Promise<void>;
}

export async function startDnsFace(options: DnsFaceOptions): Promise<DnsFace> {
  const zone = options.zone.toLowerCase().replace(/\.$/, '');
  let delayMs = options.delayMs ?? 0;
  let silent = false;
  let frozen: FaceState | undefined;
  // Each distinct state with the time it was first seen; the seed counts as seen long ago.
  const timeline: Array<{ at: number; key: string; state: FaceState }> = [];
  const see = (): void => {
    const state = options.state();
    const key = JSON.stringify([...state].sort(([a], [b]) => (a < b ? -1 : 1)));
    if (timeline.at(-1)?.key !== key) timeline.push({ at: timeline.length === 0 ? 0 : Date.now(), key, state });
  };
  see();
  const served = (): FaceState => {
    if (frozen) return frozen;
    see();
    const visible = timeline.filter((entry) => entry.at <= Date.now() - delayMs);
    return (visible.at(-1) ?? timeline[0]!).state;
  };
  const queries = new Map<string, number>();

  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, from) => {
    if (silent) return;
    let query;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    queries.set(`${name} ${question.type}`, (queries.get(`${name} ${question.type}`) ?? 0) + 1);
    const inZone = name === zone || name.endsWith(`.${zone}`);
    let rcode = inZone ? 'NOERROR' : 'REFUSED';
    const answers: Answer[] = [];
    if (inZone && (question.type === 'A' || question.type === 'AAAA')) {
      const sets = served().get(name);
      const set = sets?.[question.type];
      for (const value of set?.values ?? []) answers.push({ type: question.type, name: question.name, ttl: set!.ttl, class: 'IN', data: value });
      if (sets === undefined && name !== zone) rcode = 'NXDOMAIN';
    } else if (name === zone && question.type === 'NS') {
      for (const ns of options.nameServers ?? []) answers.push({ type: 'NS', name: question.name, ttl: 3600, class: 'IN', data: ns });
    }
    const flags = (inZone ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rcodeValue(rcode);
    const response = dnsPacket.encode({ type: 'response', id: query.id, flags, questions: [question], answers });
    socket.send(response, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    queries,
    setDelay: (ms) => {
      delayMs = ms;
    },
    setSilent: (value) => {
      silent = value;
    },
    setFrozen: (value) => {
      frozen = value ? served() : undefined;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function rcodeValue(rcode: string): number {
  return rcode === 'NXDOMAIN' ? 3 : rcode === 'REFUSED' ? 5 : 0;
}
