/**
 * The demo's DNS server: a tiny authoritative server on a free loopback UDP port that answers
 * A/AAAA questions for a few names, following CNAMEs inside its own data (as a resolver would hand
 * apexsync the whole chain). Enough for `npm run demo`, which must work without any network.
 */
import dgram from 'node:dgram';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';

export type DemoRecord = { readonly type: 'CNAME'; readonly target: string } | { readonly type: 'A' | 'AAAA'; readonly addresses: readonly string[] };

export interface DemoDnsServer {
  /** `127.0.0.1:PORT`, as `resolver.servers` takes it. */
  readonly address: string;
  /** Replaces what `name` holds (lower case, no trailing dot). */
  set(name: string, records: readonly DemoRecord[]): void;
  close(): Promise<void>;
}

const TTL = 300;
const MAX_CHAIN = 8;

export async function startDemoDnsServer(): Promise<DemoDnsServer> {
  const zone = new Map<string, readonly DemoRecord[]>();
  const socket = dgram.createSocket('udp4');

  function answer(query: Packet): Buffer {
    const question = query.questions?.[0];
    const answers: Answer[] = [];
    let rcode: 'NOERROR' | 'NXDOMAIN' = 'NOERROR';
    if (question && (question.type === 'A' || question.type === 'AAAA')) {
      let name = question.name.toLowerCase().replace(/\.$/, '');
      for (let hop = 0; hop <= MAX_CHAIN; hop++) {
        const records = zone.get(name);
        if (!records) {
          rcode = 'NXDOMAIN';
          break;
        }
        const cname = records.find((record) => record.type === 'CNAME');
        if (cname?.type === 'CNAME') {
          answers.push({ type: 'CNAME', name, ttl: TTL, class: 'IN', data: cname.target });
          name = cname.target;
          continue;
        }
        for (const record of records) {
          if (record.type !== question.type) continue;
          for (const address of record.addresses) answers.push({ type: record.type, name, ttl: TTL, class: 'IN', data: address });
        }
        break;
      }
    }
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (rcode === 'NXDOMAIN' ? 3 : 0),
      questions: query.questions ?? [],
      answers,
    });
  }

  socket.on('message', (message, remote) => {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real server would drop it too
    }
    socket.send(answer(query), remote.port, remote.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    set: (name, records) => void zone.set(name, records),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
