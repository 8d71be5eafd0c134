import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import dnsPacket, { type Answer, type RecordType } from 'dns-packet';
import { exchangeTcp } from '../../src/dns/tcp.js';

/**
 * A real BIND 9 for the tests: `named -g` in a temp dir on a free loopback port (UDP and TCP),
 * serving
 * - a TARGET zone (what apexsync resolves; changed between rounds with real dynamic updates made
 *   by `nsupdate` with the admin key, independent of the code under test),
 * - an APEX zone (SOA, NS, MX, TXT, CAA and the A/AAAA to flatten) whose update-policy grants the
 *   apexsync key only A and AAAA at the managed names,
 * - a zone that fails to load (`broken.test`), so queries into it get a real SERVFAIL.
 * A counting TCP relay in front of it lets tests assert how many UPDATE messages were sent.
 */

export type TsigAlgorithmName = 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';

export interface TsigKeySpec {
  readonly name: string;
  readonly algorithm: TsigAlgorithmName;
  /** Base64, as tsig-keygen prints it. */
  readonly secret: string;
}

/** A fresh random key (never a constant, so a leaked secret in output is detectable). */
export function randomKey(name: string, algorithm: TsigAlgorithmName = 'hmac-sha256'): TsigKeySpec {
  const bytes = algorithm === 'hmac-sha512' ? 64 : 32;
  return { name, algorithm, secret: randomBytes(bytes).toString('base64') };
}

export interface BindOptions {
  readonly targetZone?: string;
  /** Zone-file lines of the target zone below its SOA and NS (relative names allowed). */
  readonly targetRecords?: readonly string[];
  readonly apexZone?: string;
  /** Zone-file lines of the apex zone below its SOA, NS, MX, TXT and CAA. */
  readonly apexRecords?: readonly string[];
  /** Names (in the apex zone) whose A/AAAA the apexsync key may change. Default: the apex. */
  readonly managedNames?: readonly string[];
  /** Algorithm of the apexsync key. Default hmac-sha256. */
  readonly apexsyncAlgorithm?: TsigAlgorithmName;
  /** More keys granted exactly what the apexsync key is granted (to test other algorithms). */
  readonly extraKeys?: readonly TsigKeySpec[];
}

export interface DnsRecord {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly data: unknown;
}

export interface QueryResult {
  readonly rcode: string;
  readonly answers: readonly DnsRecord[];
}

/** Counts the DNS messages that clients send through it, by opcode. */
export interface CountingRelay {
  /** `127.0.0.1:port`, to give apexsync as the provider's server. */
  readonly address: string;
  readonly port: number;
  /** UPDATE messages (opcode 5) received since the last reset. */
  updates(): number;
  /** QUERY messages (opcode 0) received since the last reset. */
  queries(): number;
  /** TCP connections clients opened through it since the last reset. */
  connections(): number;
  reset(): void;
  /** `forward` (default) or `blackhole`: accept and read requests but never answer them. */
  setMode(mode: 'forward' | 'blackhole'): void;
  /**
   * Runs `hook` when the next UPDATE arrives, before passing it on to named: a concurrent edit
   * that lands between apexsync's read and its write.
   */
  beforeNextUpdate(hook: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface BindServer {
  /** `127.0.0.1:port` of named itself (UDP and TCP): the resolver's server. */
  readonly address: string;
  readonly port: number;
  readonly relay: CountingRelay;
  readonly dir: string;
  readonly targetZone: string;
  readonly apexZone: string;
  /** May change anything in both zones (the tests' hand). */
  readonly adminKey: TsigKeySpec;
  /** Granted only A/AAAA at the managed names (apexsync's key). */
  readonly apexsyncKey: TsigKeySpec;
  query(name: string, type: RecordType): Promise<QueryResult>;
  /** The A or AAAA RRset at a name (sorted values), or undefined when there is none. */
  rrset(name: string, family: 'A' | 'AAAA'): Promise<{ ttl: number; values: string[] } | undefined>;
  soaSerial(zone: string): Promise<number>;
  /** A comparable text of every record of `types` at `name`. */
  snapshot(name: string, types: readonly RecordType[]): Promise<string>;
  /** Runs `nsupdate -v` with the admin key (on stdin) and these commands, then `send`. */
  nsupdate(zone: string, commands: readonly string[]): Promise<void>;
  /** Replaces the A or AAAA RRset at `name` (empty `values` deletes it). */
  setAddresses(zone: string, name: string, family: 'A' | 'AAAA', values: readonly string[], ttl?: number): Promise<void>;
  /** What named logged so far (stderr of `named -g`). */
  log(): string;
  stop(): Promise<void>;
}

const NAMED_CANDIDATES = ['/usr/sbin/named', '/usr/bin/named', '/sbin/named'];

export async function startBind(options: BindOptions = {}): Promise<BindServer> {
  const targetZone = options.targetZone ?? 'target.test';
  const apexZone = options.apexZone ?? 'example.test';
  const adminKey = randomKey('admin-key');
  const apexsyncKey = randomKey('apexsync-key', options.apexsyncAlgorithm);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-bind-'));
  await writeFile(path.join(dir, `${targetZone}.zone`), zoneFile(targetZone, 300, options.targetRecords ?? []));
  await writeFile(
    path.join(dir, `${apexZone}.zone`),
    zoneFile(apexZone, 3600, [
      `@ MX 10 mail.${apexZone}.`,
      '@ TXT "v=spf1 -all"',
      '@ CAA 0 issue "letsencrypt.org"',
      ...(options.apexRecords ?? []),
    ]),
  );

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(path.join(dir, 'named.conf'), namedConf(dir, port, { targetZone, apexZone, adminKey, apexsyncKeys: [apexsyncKey, ...(options.extraKeys ?? [])], managedNames: options.managedNames ?? [apexZone] }));
    try {
      const named = await launch(dir, port, apexZone);
      const relay = await startRelay(port);
      return server({ dir, port, named, relay, targetZone, apexZone, adminKey, apexsyncKey });
    } catch (error) {
      lastError = error;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`could not start named: ${String(lastError)}`);
}

function zoneFile(zone: string, ttl: number, records: readonly string[]): string {
  return [
    `$ORIGIN ${zone}.`,
    `$TTL ${ttl}`,
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
    `@ NS ns1.${zone}.`,
    'ns1 A 127.0.0.1',
    ...records,
    '',
  ].join('\n');
}

function keyStatement(key: TsigKeySpec): string {
  return `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };`;
}

function namedConf(
  dir: string,
  port: number,
  z: { targetZone: string; apexZone: string; adminKey: TsigKeySpec; apexsyncKeys: readonly TsigKeySpec[]; managedNames: readonly string[] },
): string {
  const grants = z.apexsyncKeys.flatMap((key) => z.managedNames.map((name) => `grant ${key.name} name ${name}. A AAAA HTTPS;`)).join(' ');
  return `${keyStatement(z.adminKey)}
${z.apexsyncKeys.map(keyStatement).join('\n')}
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
controls { };
zone "${z.targetZone}" { type primary; file "${dir}/${z.targetZone}.zone"; update-policy { grant ${z.adminKey.name} zonesub ANY; }; };
zone "${z.apexZone}" { type primary; file "${dir}/${z.apexZone}.zone"; update-policy { grant ${z.adminKey.name} zonesub ANY; ${grants} }; };
zone "broken.test" { type primary; file "${dir}/missing.zone"; };
`;
}

/** A port free for both TCP and UDP on 127.0.0.1 right now (named binds it a moment later). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address() as net.AddressInfo;
        probe.close(() => resolve(address.port));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

function namedBinary(): string {
  const found = NAMED_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('named (BIND 9) is not installed: apt-get install -y bind9 bind9-dnsutils');
  return found;
}

interface Launched {
  readonly child: ChildProcess;
  readonly log: () => string;
}

/** Starts named in the foreground and waits until it answers an SOA query over TCP and UDP. */
async function launch(dir: string, port: number, apexZone: string): Promise<Launched> {
  const child = spawn(namedBinary(), ['-g', '-n', '1', '-c', path.join(dir, 'named.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let exited = false;
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  try {
    for (;;) {
      if (exited) throw new Error(`named exited:\n${log}`);
      if (/address in use|could not listen/i.test(log)) throw new Error(`port ${port} taken:\n${log}`);
      if (/running$/m.test(log) && (await answersSoa(port, apexZone))) return { child, log: () => log };
      if (Date.now() > deadline) throw new Error(`named did not answer within 20 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await kill(child);
    throw error;
  }
}

async function answersSoa(port: number, zone: string): Promise<boolean> {
  try {
    const result = await queryTcp(port, zone, 'SOA');
    return result.rcode === 'NOERROR' && result.answers.some((a) => a.type === 'SOA');
  } catch {
    return false;
  }
}

async function queryTcp(port: number, name: string, type: RecordType): Promise<QueryResult> {
  const message = dnsPacket.encode({ type: 'query', id: randomBytes(2).readUInt16BE(0), flags: 0, questions: [{ type, name, class: 'IN' }] });
  const response = dnsPacket.decode(await exchangeTcp({ host: '127.0.0.1', port }, message, 5_000));
  const answers = (response.answers ?? []).map((a: Answer) => ({
    name: a.name.toLowerCase(),
    type: a.type,
    ttl: 'ttl' in a ? (a.ttl ?? 0) : 0,
    data: 'data' in a ? readable(a.data) : undefined,
  }));
  const flags = response.flags ?? 0;
  const rcodes = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
  return { rcode: rcodes[flags & 0xf] ?? `RCODE ${flags & 0xf}`, answers };
}

/** TXT strings as text rather than byte arrays, so snapshots read (and compare) like zone files. */
function readable(data: unknown): unknown {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return data.map(readable);
  return data;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function runNsupdate(input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsupdate', ['-v'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/bin:/usr/sbin` } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nsupdate exited ${code}: ${output}`))));
    child.stdin.end(input);
  });
}

/** A TCP relay to named that counts the length-prefixed DNS messages clients send, by opcode. */
async function startRelay(upstreamPort: number): Promise<CountingRelay> {
  let updates = 0;
  let queries = 0;
  let connections = 0;
  let mode: 'forward' | 'blackhole' = 'forward';
  let updateHook: (() => Promise<void>) | undefined;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let pending = Buffer.alloc(0);
    /** Counts the messages completed by `chunk`; true when one of them is an UPDATE. */
    const count = (chunk: Buffer): boolean => {
      let sawUpdate = false;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        if (length >= 4) {
          const opcode = (pending.readUInt16BE(4) >> 11) & 0xf;
          if (opcode === 5) {
            updates++;
            sawUpdate = true;
          }
          if (opcode === 0) queries++;
        }
        pending = pending.subarray(2 + length);
      }
      return sawUpdate;
    };
    if (mode === 'blackhole') {
      client.on('data', count);
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    // Chunks go upstream in order, each after any hook its UPDATE triggered has finished.
    let forwarding = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const hook = count(chunk) ? updateHook : undefined;
      if (hook) updateHook = undefined;
      forwarding = forwarding.then(async () => {
        // A failed hook must not stall the relay; the test sees its effect (or not) in named.
        if (hook) await hook().catch(() => undefined);
        upstream.write(chunk);
      });
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    updates: () => updates,
    queries: () => queries,
    connections: () => connections,
    reset: () => {
      updates = 0;
      queries = 0;
      connections = 0;
    },
    setMode: (next) => {
      mode = next;
    },
    beforeNextUpdate: (hook) => {
      updateHook = hook;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}

function server(s: {
  dir: string;
  port: number;
  named: Launched;
  relay: CountingRelay;
  targetZone: string;
  apexZone: string;
  adminKey: TsigKeySpec;
  apexsyncKey: TsigKeySpec;
}): BindServer {
  const query = (name: string, type: RecordType): Promise<QueryResult> => queryTcp(s.port, name, type);
  const nsupdate = (zone: string, commands: readonly string[]): Promise<void> =>
    runNsupdate(
      [`key ${s.adminKey.algorithm}:${s.adminKey.name} ${s.adminKey.secret}`, `server 127.0.0.1 ${s.port}`, `zone ${zone}.`, ...commands, 'send', ''].join('\n'),
    );
  return {
    address: `127.0.0.1:${s.port}`,
    port: s.port,
    relay: s.relay,
    dir: s.dir,
    targetZone: s.targetZone,
    apexZone: s.apexZone,
    adminKey: s.adminKey,
    apexsyncKey: s.apexsyncKey,
    query,
    async rrset(name, family) {
      const { answers } = await query(name, family);
      const own = answers.filter((a) => a.type === family && a.name === name.toLowerCase());
      if (own.length === 0) return undefined;
      return { ttl: Math.min(...own.map((a) => a.ttl)), values: own.map((a) => String(a.data)).sort() };
    },
    async soaSerial(zone) {
      const { answers } = await query(zone, 'SOA');
      const soa = answers.find((a) => a.type === 'SOA');
      if (!soa) throw new Error(`no SOA for ${zone}`);
      return (soa.data as { serial: number }).serial;
    },
    async snapshot(name, types) {
      const parts: string[] = [];
      for (const type of types) {
        const { rcode, answers } = await query(name, type);
        const own = answers.filter((a) => a.name === name.toLowerCase() && a.type === type);
        parts.push(`${type} ${rcode} ${own.map((a) => `${a.ttl} ${JSON.stringify(a.data)}`).sort().join(' | ')}`);
      }
      return parts.join('\n');
    },
    nsupdate,
    setAddresses(zone, name, family, values, ttl = 300) {
      return nsupdate(zone, [`update delete ${name}. ${family}`, ...values.map((v) => `update add ${name}. ${ttl} ${family} ${v}`)]);
    },
    log: () => s.named.log(),
    async stop() {
      await s.relay.close();
      await kill(s.named.child);
      await rm(s.dir, { recursive: true, force: true });
    },
  };
}
