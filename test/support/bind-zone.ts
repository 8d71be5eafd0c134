/**
 * A real BIND 9 serving one zone for served-state tests: `named -g` in a temp dir on a free
 * loopback port, either a primary loading a zone file (reloaded on SIGHUP, as `rndc reload` would,
 * optionally accepting unsigned updates and notifying secondaries) or a secondary transferring
 * the zone from a primary. Stop and start it to make a server go away and come back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import dnsPacket from 'dns-packet';

export interface ZoneServerOptions {
  readonly zone: string;
  /** Primary: the zone file's text (written to `<dir>/<zone>.zone`). */
  readonly zoneText?: string;
  /** Secondary: the primary's port on 127.0.0.1. */
  readonly primaryPort?: number;
  /** Primary: accept unsigned dynamic updates from 127.0.0.1. */
  readonly allowUpdate?: boolean;
  /** Primary: ports on 127.0.0.1 to send NOTIFY to (its secondaries). */
  readonly notifyPorts?: readonly number[];
  /** Use this port (e.g. a secondary's, known before it starts); default a free one. */
  readonly port?: number;
}

export interface ZoneServer {
  readonly dir: string;
  readonly port: number;
  /** `127.0.0.1:port`. */
  readonly address: string;
  /** The zone file a primary loads. */
  readonly zoneFile: string;
  /** argv that makes named reload its zones (SIGHUP), for a zone file provider's reloadCommand. */
  readonly reloadArgv: readonly string[];
  /** The addresses named answers at `name` (authoritative, sorted), [] for none. */
  addresses(name: string, family: 'A' | 'AAAA'): Promise<string[]>;
  stop(): Promise<void>;
  /** Starts named again on the same port and files. */
  start(): Promise<void>;
  log(): string;
  /** Stops named and removes its directory. */
  close(): Promise<void>;
}

const NAMED = ['/usr/sbin/named', '/usr/bin/named', '/sbin/named'].find((p) => existsSync(p)) ?? 'named';

export async function startZoneServer(options: ZoneServerOptions): Promise<ZoneServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-bind-zone-'));
  const zoneFile = path.join(dir, `${options.zone}.zone`);
  const port = options.port ?? (await freePort());
  if (options.zoneText !== undefined) await writeFile(zoneFile, options.zoneText);
  await writeFile(path.join(dir, 'named.conf'), namedConf(dir, port, zoneFile, options));
  let child: ChildProcess | undefined;
  let log = '';

  const start = async (): Promise<void> => {
    const started = spawn(NAMED, ['-g', '-n', '1', '-c', path.join(dir, 'named.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    started.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    started.on('exit', () => (exited = true));
    child = started;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (exited) throw new Error(`named exited:\n${log}`);
      if (/running$/m.test(log) && (await soaServed(port, options.zone))) return;
      if (Date.now() > deadline) throw new Error(`named did not serve ${options.zone} within 20 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
      setTimeout(() => running.kill('SIGKILL'), 5_000).unref();
    });
  };
  await start();
  return {
    dir,
    port,
    address: `127.0.0.1:${port}`,
    zoneFile,
    reloadArgv: ['sh', '-c', `kill -HUP "$(cat '${dir}/named.pid')"`],
    addresses: async (name, family) => {
      const answer = await query(port, name, family);
      return (answer.answers ?? []).flatMap((a) => (a.type === family ? [String(a.data)] : [])).sort();
    },
    stop,
    start,
    log: () => log,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function namedConf(dir: string, port: number, zoneFile: string, options: ZoneServerOptions): string {
  const secondary = options.primaryPort !== undefined;
  const notify = options.notifyPorts ?? [];
  const zone = secondary
    ? `zone "${options.zone}" { type secondary; primaries { 127.0.0.1 port ${options.primaryPort}; }; file "${dir}/secondary.db"; };`
    : `zone "${options.zone}" {
  type primary;
  file "${zoneFile}";
  ${options.allowUpdate ? 'allow-update { 127.0.0.1; };' : ''}
  ${notify.length > 0 ? `notify explicit; also-notify { ${notify.map((p) => `127.0.0.1 port ${p};`).join(' ')} };` : 'notify no;'}
};`;
  return `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-transfer { 127.0.0.1; };
  notify-source 127.0.0.1;
  transfer-source 127.0.0.1;
  ${secondary ? 'allow-notify { 127.0.0.1; };' : ''}
};
${zone}
`;
}

async function query(port: number, name: string, type: 'A' | 'AAAA' | 'SOA'): Promise<dnsPacket.DecodedPacket> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const id = Math.floor(Math.random() * 65536);
      const timer = setTimeout(() => reject(new Error(`no answer from 127.0.0.1:${port}`)), 2_000);
      socket.on('message', (message) => {
        const packet = dnsPacket.decode(message);
        if (packet.id !== id) return;
        clearTimeout(timer);
        resolve(packet);
      });
      socket.send(dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ type, name, class: 'IN' }] }), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

async function soaServed(port: number, zone: string): Promise<boolean> {
  try {
    const answer = await query(port, zone, 'SOA');
    return ((answer.flags ?? 0) & 0x0f) === 0 && (answer.answers ?? []).some((a) => a.type === 'SOA');
  } catch {
    return false;
  }
}

/** A port free on 127.0.0.1 for both TCP and UDP. */
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
