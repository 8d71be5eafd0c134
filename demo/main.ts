/**
 * `npm run demo`: apexsync end to end on this machine alone, no internet and no account.
 * A DNS server on loopback plays the target (a CNAME chain to IPv4 and IPv6 addresses), a copy of
 * examples/zones/example.com.zone in a temporary folder plays the provider, and the real built CLI
 * runs against them, step by step, printing what a user would see. Everything it started or wrote
 * is gone when it exits.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoDnsServer, type DemoDnsServer } from './dns-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const CLI = path.join(root, 'dist/src/cli/main.js');
const EXAMPLE_ZONE = path.join(root, 'examples/zones/example.com.zone');

const TARGET = 'app.demo.test';

interface Step {
  readonly title: string;
  readonly args: readonly string[];
  /** The exit code this step must end with; anything else fails the demo. */
  readonly expectedExit: number;
  readonly before?: () => void;
  readonly showZone?: boolean;
}

/** The config the demo writes next to its copy of the zone file. */
function demoConfig(dnsServer: string): string {
  return `# The demo's config: the zone file next to it, the target served by the demo's DNS server.
resolver:
  servers: ["${dnsServer}"]
  timeoutMs: 1000
  attempts: 2

providers:
  files: { type: zonefile, file: example.com.zone }

records:
  - name: example.com
    target: ${TARGET}
    # The demo's addresses come from the documentation ranges (RFC 5737, RFC 3849), which
    # apexsync refuses to publish unless told otherwise.
    allowSpecialAddresses: true
`;
}

function serveFirstEdge(dns: DemoDnsServer): void {
  dns.set(TARGET, [{ type: 'CNAME', target: 'shop.cdn.demo.test' }]);
  dns.set('shop.cdn.demo.test', [{ type: 'CNAME', target: 'edge-1.cdn.demo.test' }]);
  dns.set('edge-1.cdn.demo.test', [
    { type: 'A', addresses: ['198.51.100.10', '198.51.100.11'] },
    { type: 'AAAA', addresses: ['2001:db8:100::10'] },
  ]);
  dns.set('edge-2.cdn.demo.test', [
    { type: 'A', addresses: ['203.0.113.20'] },
    { type: 'AAAA', addresses: ['2001:db8:200::20', '2001:db8:200::21'] },
  ]);
}

function steps(dns: DemoDnsServer): Step[] {
  return [
    { title: 'The target, as apexsync resolves it (a CNAME chain, IPv4 and IPv6)', args: ['resolve', TARGET, '-c', 'apexsync.yaml'], expectedExit: 0 },
    { title: 'Dry run: what would change in the zone file (nothing is written)', args: ['sync', '--dry-run', '-c', 'apexsync.yaml'], expectedExit: 0 },
    { title: 'Sync: the apex A/AAAA now follow the target (serial bumped, every other line kept)', args: ['sync', '-c', 'apexsync.yaml'], expectedExit: 0, showZone: true },
    { title: 'Sync again: already in sync, nothing is written', args: ['sync', '-c', 'apexsync.yaml'], expectedExit: 0 },
    {
      title: 'The target moves: shop.cdn.demo.test now points at edge-2.cdn.demo.test',
      before: () => dns.set('shop.cdn.demo.test', [{ type: 'CNAME', target: 'edge-2.cdn.demo.test' }]),
      args: ['resolve', TARGET, '-c', 'apexsync.yaml'],
      expectedExit: 0,
    },
    { title: 'Sync: the apex follows the move', args: ['sync', '-c', 'apexsync.yaml'], expectedExit: 0, showZone: true },
    {
      title: "The target's DNS breaks (its chain now ends at a name that does not exist): nothing is deleted, the failure is reported (exit 1)",
      before: () => dns.set('shop.cdn.demo.test', [{ type: 'CNAME', target: 'edge-3.cdn.demo.test' }]),
      args: ['sync', '-c', 'apexsync.yaml'],
      expectedExit: 1,
      showZone: true,
    },
  ];
}

function runCli(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

async function apexLines(zoneFile: string): Promise<string> {
  const text = await fs.readFile(zoneFile, 'utf8');
  const serial = /(\d+)\s*;\s*serial/.exec(text)?.[1] ?? '?';
  const addresses = text.split('\n').filter((line) => /^@\s+\d*\s*IN\s+(A|AAAA)\s/.test(line));
  return [`; serial ${serial}`, ...addresses].join('\n');
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

async function main(): Promise<number> {
  try {
    await fs.access(CLI);
  } catch {
    process.stderr.write(`demo: ${CLI} is missing; run \`npm run build\` first (npm run demo does)\n`);
    return 1;
  }
  const dns = await startDemoDnsServer();
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'apexsync-demo-'));
  // Ctrl-C mid-demo still leaves nothing behind (the DNS server dies with the process).
  const interrupted = (): void => {
    rmSync(folder, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    serveFirstEdge(dns);
    await fs.copyFile(EXAMPLE_ZONE, path.join(folder, 'example.com.zone'));
    await fs.writeFile(path.join(folder, 'apexsync.yaml'), demoConfig(dns.address));
    const zoneFile = path.join(folder, 'example.com.zone');

    const say = (text: string): void => void process.stdout.write(`${text}\n`);
    say(`apexsync demo: ${TARGET} is served by a DNS server on ${dns.address};`);
    say(`a copy of examples/zones/example.com.zone in ${folder} is the provider.`);
    say('');
    say('Its apex before the demo:');
    say(indent(await apexLines(zoneFile)));
    let number = 0;
    for (const step of steps(dns)) {
      number += 1;
      step.before?.();
      say('');
      say(`── ${number}. ${step.title}`);
      say(`$ apexsync ${step.args.join(' ')}`);
      const { code, output } = await runCli(step.args, folder);
      say(indent(output));
      say(`    (exit ${code})`);
      if (step.showZone) {
        say('  The zone file now has:');
        say(indent(await apexLines(zoneFile)));
      }
      if (code !== step.expectedExit) {
        process.stderr.write(`demo: step ${number} exited ${code}, expected ${step.expectedExit}\n`);
        return 1;
      }
    }
    say('');
    say('Next: examples/apexsync.yaml follows a real target (needs DNS access), and `npm test` runs every test.');
    return 0;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await dns.close();
    await fs.rm(folder, { recursive: true, force: true });
    process.stdout.write(`(demo finished: DNS server stopped, ${folder} removed)\n`);
  }
}

process.exitCode = await main();
