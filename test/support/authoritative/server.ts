import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import dnsPacket, { type Answer, type RecordType } from 'dns-packet';
import { exchangeTcp } from '../../../src/dns/tcp.js';
import { startRelay, type CountingRelay } from './relay.js';

/**
 * One shape for every real authoritative server the tests start (BIND, Knot, PowerDNS): a
 * foreground process in a temp dir on a free loopback port (UDP and TCP), serving
 * - a TARGET zone (what apexsync resolves; changed between rounds with real dynamic updates made
 *   by `nsupdate` with the admin key, independent of the code under test),
 * - an APEX zone (SOA, NS, MX, TXT, CAA and the A/AAAA to flatten) where the apexsync key may
 *   change A and AAAA (only at the managed names, where the server can say so),
 * with a counting TCP relay in front so tests can assert how many UPDATE messages were sent.
 *
 * A server is a `Flavour`: where its binary is, and how to write its configuration for a
 * `Setup`. Everything else (ports, retries, relay, queries, nsupdate, stop) is shared here, so a
 * fourth server is one small file.
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

export interface ServerOptions {
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

/** What a flavour writes its configuration for. Zone files are already in `dir` as `<zone>.zone`. */
export interface Setup {
  readonly dir: string;
  readonly port: number;
  readonly targetZone: string;
  readonly apexZone: string;
  readonly adminKey: TsigKeySpec;
  /** The apexsync key first, then the extra keys. */
  readonly apexsyncKeys: readonly TsigKeySpec[];
  readonly managedNames: readonly string[];
  /** Another free loopback port (for a server's HTTP API). */
  freePort(): Promise<number>;
}

export interface Launch<Extra> {
  readonly args: readonly string[];
  /** What this flavour adds to the server object (an API address…). */
  readonly extra: Extra;
}

export interface Flavour<Extra = object> {
  /** For messages: "BIND 9", "Knot DNS"… */
  readonly label: string;
  /** Where the binary may be, first found wins. */
  readonly binaries: readonly string[];
  /** The install command named when it is missing. */
  readonly install: string;
  /** A log line that means the server is up (checked together with an SOA answer). */
  readonly ready: RegExp;
  /** A log line that means the port was taken (another attempt gets another port). */
  readonly portTaken: RegExp;
  configure(setup: Setup): Promise<Launch<Extra>>;
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

export interface AuthoritativeServer {
  readonly label: string;
  /** `127.0.0.1:port` of the server itself (UDP and TCP): the resolver's server. */
  readonly address: string;
  readonly port: number;
  readonly relay: CountingRelay;
  readonly dir: string;
  readonly targetZone: string;
  readonly apexZone: string;
  /** May change anything in both zones (the tests' hand). */
  readonly adminKey: TsigKeySpec;
  /** Granted A/AAAA (at the managed names where the server can restrict names): apexsync's key. */
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
  /** What the server logged so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function startAuthoritative<Extra>(flavour: Flavour<Extra>, options: ServerOptions = {}): Promise<AuthoritativeServer & Extra> {
  const binary = flavour.binaries.find((candidate) => existsSync(candidate));
  if (!binary) throw new Error(`${flavour.label} is not installed: ${flavour.install}`);
  const targetZone = options.targetZone ?? 'target.test';
  const apexZone = options.apexZone ?? 'example.test';
  const adminKey = randomKey('admin-key');
  const apexsyncKey = randomKey('apexsync-key', options.apexsyncAlgorithm);
  const dir = await mkdtemp(path.join(os.tmpdir(), `apexsync-${path.basename(binary)}-`));
  await writeFile(path.join(dir, `${targetZone}.zone`), zoneFile(targetZone, 300, options.targetRecords ?? []));
  await writeFile(
    path.join(dir, `${apexZone}.zone`),
    zoneFile(apexZone, 3600, [`@ MX 10 mail.${apexZone}.`, '@ TXT "v=spf1 -all"', '@ CAA 0 issue "letsencrypt.org"', ...(options.apexRecords ?? [])]),
  );

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      const launch = await flavour.configure({
        dir,
        port,
        targetZone,
        apexZone,
        adminKey,
        apexsyncKeys: [apexsyncKey, ...(options.extraKeys ?? [])],
        managedNames: options.managedNames ?? [apexZone],
        freePort,
      });
      const running = await run(flavour, binary, launch.args, port, apexZone);
      const relay = await startRelay(port);
      return { ...server({ label: flavour.label, dir, port, running, relay, targetZone, apexZone, adminKey, apexsyncKey }), ...launch.extra };
    } catch (error) {
      lastError = error;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`could not start ${flavour.label}: ${String(lastError)}`);
}

function zoneFile(zone: string, ttl: number, records: readonly string[]): string {
  return [`$ORIGIN ${zone}.`, `$TTL ${ttl}`, `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`, `@ NS ns1.${zone}.`, 'ns1 A 127.0.0.1', ...records, ''].join('\n');
}

/** A port free for both TCP and UDP on 127.0.0.1 right now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
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

/** Runs a command to completion (setup tools such as pdnsutil); rejects with its output. */
export function runTool(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/bin:/usr/sbin:/sbin` } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${output}`))));
    // A tool that exits without reading its input (nsupdate failing early) must not crash the run with EPIPE: its exit code says what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

interface Running {
  readonly child: ChildProcess;
  readonly log: () => string;
}

/** Starts the server in the foreground and waits until it answers an SOA query over TCP. */
async function run(flavour: Flavour<unknown>, binary: string, args: readonly string[], port: number, apexZone: string): Promise<Running> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let exited = false;
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  try {
    for (;;) {
      if (exited) throw new Error(`${flavour.label} exited:\n${log}`);
      if (flavour.portTaken.test(log)) throw new Error(`port ${port} taken:\n${log}`);
      if (flavour.ready.test(log) && (await answersSoa(port, apexZone))) return { child, log: () => log };
      if (Date.now() > deadline) throw new Error(`${flavour.label} did not answer within 20 s:\n${log}`);
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

function server(s: {
  label: string;
  dir: string;
  port: number;
  running: Running;
  relay: CountingRelay;
  targetZone: string;
  apexZone: string;
  adminKey: TsigKeySpec;
  apexsyncKey: TsigKeySpec;
}): AuthoritativeServer {
  const query = (name: string, type: RecordType): Promise<QueryResult> => queryTcp(s.port, name, type);
  const nsupdate = async (zone: string, commands: readonly string[]): Promise<void> => {
    await runTool(
      'nsupdate',
      ['-v'],
      [`key ${s.adminKey.algorithm}:${s.adminKey.name} ${s.adminKey.secret}`, `server 127.0.0.1 ${s.port}`, `zone ${zone}.`, ...commands, 'send', ''].join('\n'),
    );
  };
  return {
    label: s.label,
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
        parts.push(
          `${type} ${rcode} ${own
            .map((a) => `${a.ttl} ${JSON.stringify(a.data)}`)
            .sort()
            .join(' | ')}`,
        );
      }
      return parts.join('\n');
    },
    nsupdate,
    setAddresses(zone, name, family, values, ttl = 300) {
      return nsupdate(zone, [`update delete ${name}. ${family}`, ...values.map((v) => `update add ${name}. ${ttl} ${family} ${v}`)]);
    },
    log: () => s.running.log(),
    async stop() {
      await s.relay.close();
      await kill(s.running.child);
      await rm(s.dir, { recursive: true, force: true });
    },
  };
}

export type { CountingRelay };
