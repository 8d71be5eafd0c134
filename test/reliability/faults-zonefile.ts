import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/zonefile/index.js';
import type { Provider } from '../../providers/types.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { runFaultCases, type FaultCase, type FaultWorld, type Via } from '../support/faults/fault-matrix.js';
import { recordConfig, runRoundInProcess, type RoundResult } from '../support/faults/in-process-round.js';
import { ledger } from '../support/faults/ledger.js';
import { expectExactly, loadZoneWithBind, published, type Published } from '../support/faults/published.js';
import { recordedCli, recordedCliAs } from '../support/faults/recorded-cli.js';
import { NEW_STATE, OLD_STATE, setTarget } from './fault-states.js';

/**
 * The fault matrix for the zone file. A file has no network to fail, so its faults are the ones
 * a file meets: a reload command that fails or hangs, a directory apexsync may not write (as
 * root, who writes anywhere, the CLI runs as `nobody`), someone editing the file between
 * apexsync's read and its write (the names they touched, or other lines), the file made
 * unparsable or deleted. What is published is read with BIND's own loader.
 */

const TARGET = 'lb.zonefile.faults.test';
const NAMES = ['example.com', 'www.example.com'];
const MANUAL_EDIT = ['45.60.99.99'];

function zoneText(state: Published, extra: readonly string[] = []): string {
  const lines = [
    '$ORIGIN example.com.',
    '$TTL 3600',
    '@ IN SOA ns1 hostmaster 2024010100 7200 3600 1209600 300',
    '@ IN NS ns1',
    '@ IN MX 10 mail',
    'ns1 IN A 192.0.2.53',
    'mail IN A 192.0.2.25',
  ];
  for (const [owner, name] of [
    ['@', 'example.com'],
    ['www', 'www.example.com'],
  ] as const) {
    const own = name === 'example.com' && extra.includes('apex-edited') ? published({ ttl: 300, values: MANUAL_EDIT }, state.AAAA) : state;
    for (const family of ['A', 'AAAA'] as const) for (const v of own[family]?.values ?? []) lines.push(`${owner} ${own[family]!.ttl} IN ${family} ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

class ZonefileWorld implements FaultWorld {
  readonly area = 'faults zonefile';
  readonly names = NAMES;
  readonly oldState = OLD_STATE;
  readonly newState = NEW_STATE;
  readonly zoneFile: string;
  reloadCommand: readonly string[] | undefined;
  reloadTimeoutMs = 2000;
  asNobody = false;
  /** In process only: runs between the round's read and its apply (someone else's edit). */
  beforeApply: (() => void) | undefined;

  constructor(
    readonly dns: TestDnsServer,
    readonly dir: string,
  ) {
    this.zoneFile = path.join(dir, 'example.com.zone');
  }

  async prepare(): Promise<void> {
    await this.clearFaults();
    writeFileSync(this.zoneFile, zoneText(OLD_STATE));
    chmodSync(this.zoneFile, 0o644);
    setTarget(this.dns, TARGET, NEW_STATE);
  }

  async clearFaults(): Promise<void> {
    this.reloadCommand = undefined;
    this.asNobody = false;
    this.beforeApply = undefined;
    chmodSync(this.dir, 0o755);
  }

  async read(): Promise<Map<string, Published>> {
    const load = await loadZoneWithBind('example.com', this.zoneFile);
    expect(load.ok, load.output).toBe(true);
    return new Map(NAMES.map((name) => [name, load.names.get(name) ?? {}]));
  }

  sync(label: string, via: Via): Promise<RoundResult> {
    const settings = {
      type: 'zonefile' as const,
      file: this.zoneFile,
      ...(this.reloadCommand ? { reloadCommand: [...this.reloadCommand], reloadTimeoutMs: this.reloadTimeoutMs } : {}),
    };
    if (via === 'cli') {
      const configFile = path.join(this.dir, 'apexsync.yaml');
      writeFileSync(
        configFile,
        `resolver: { servers: ["${this.dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  files: ${JSON.stringify(settings)}
records:
${NAMES.map((name) => `  - { name: ${name}, target: ${TARGET} }`).join('\n')}
`,
      );
      chmodSync(configFile, 0o644);
      const args = ['sync', '-c', configFile];
      return this.asNobody ? recordedCliAs('nobody', label, args, { cwd: this.dir }) : recordedCli(label, args, { cwd: this.dir });
    }
    return runRoundInProcess(label, {
      records: NAMES.map((name) => recordConfig(name, TARGET, 'files')),
      resolver: { servers: [{ host: this.dns.host, port: this.dns.port }], timeoutMs: 1000, attempts: 2 },
      providers: (logger) => new Map([['files', withHookBeforeApply(createProvider(settings, { id: 'files', logger }), () => this.beforeApply?.())]]),
    });
  }
}

/** The provider, with `hook` run at the start of every apply (after the round's read). */
function withHookBeforeApply(provider: Provider, hook: () => void): Provider {
  return {
    capabilities: provider.capabilities,
    findZone: (name) => provider.findZone(name),
    read: (zone, names) => provider.read(zone, names),
    apply: async (snapshot, changes, context) => {
      hook();
      return provider.apply(snapshot, changes, context);
    },
  };
}

type Case = FaultCase<ZonefileWorld>;
const editedApex = published({ ttl: 300, values: MANUAL_EDIT }, OLD_STATE.AAAA);

const CASES: Case[] = [
  {
    id: 'reload-fails',
    what: 'the reload command fails (the file is written, the server serves the old records: the run fails and the reload is owed)',
    via: 'cli',
    inject: (w) => {
      w.reloadCommand = ['sh', '-c', 'echo "rndc: connect failed: 127.0.0.1#953: connection refused" >&2; exit 1'];
    },
    expect: { code: 1, outcome: 'unconfirmed', state: 'new', message: /reload command failed \(sh exited with 1: rndc: connect failed/ },
  },
  {
    id: 'reload-hangs',
    what: 'the reload command hangs and is killed after reloadTimeoutMs',
    via: 'cli',
    inject: (w) => {
      w.reloadCommand = ['sleep', '30'];
      w.reloadTimeoutMs = 300;
    },
    expect: { code: 1, outcome: 'unconfirmed', state: 'new', message: /sleep did not finish within 300 ms/ },
  },
  {
    id: 'reload-chatty',
    what: 'the reload command prints 300 KB on stdout and stderr before succeeding (drained, not killed)',
    via: 'cli',
    inject: (w) => {
      w.reloadCommand = ['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x; head -c 300000 /dev/zero | tr "\\0" y >&2; exit 0'];
      w.reloadTimeoutMs = 10_000;
    },
    expect: { code: 0, outcome: 'applied', state: 'new', message: /reloaded/ },
  },
  {
    id: 'reload-chatty-fails',
    what: 'the reload command prints 300 KB on stderr, then its reason, and fails: the reason is the tail, the run fails and the reload is owed',
    via: 'cli',
    inject: (w) => {
      w.reloadCommand = ['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" y >&2; echo >&2; echo "rndc: zone example.com/IN: not found" >&2; exit 1'];
      w.reloadTimeoutMs = 10_000;
    },
    expect: { code: 1, outcome: 'unconfirmed', state: 'new', message: /reload command failed \(sh exited with 1: rndc: zone example\.com\/IN: not found\)/ },
  },
  {
    id: 'read-only-directory',
    what: 'the zone directory is not writable by apexsync',
    via: 'cli',
    inject: (w) => {
      // Root writes anywhere, so as root the CLI runs as nobody; otherwise the directory is made read-only.
      if (process.getuid?.() === 0) w.asNobody = true;
      else chmodSync(w.dir, 0o555);
    },
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(error\): could not write .*permission denied; the file is unchanged/ },
    check: (w) => expect(readFileSync(w.zoneFile, 'utf8')).toBe(zoneText(OLD_STATE)),
  },
  {
    id: 'conflict',
    what: 'someone edits the apex A between the read and the write',
    via: 'in-process',
    inject: (w) => {
      w.beforeApply = () => writeFileSync(w.zoneFile, zoneText(OLD_STATE, ['apex-edited']));
    },
    // Compare-and-swap per name: the edited name is refused, the other name still goes.
    expect: {
      code: 1,
      outcome: 'not-applied',
      appliedNames: 1,
      message: /not applied \(conflict\): A at example\.com changed since it was read/,
      state: (name) => (name === 'example.com' ? editedApex : NEW_STATE),
    },
  },
  {
    id: 'edit-elsewhere',
    what: 'someone adds a record elsewhere in the file between the read and the write',
    via: 'in-process',
    inject: (w) => {
      w.beforeApply = () => writeFileSync(w.zoneFile, `${zoneText(OLD_STATE)}added IN TXT "added by hand meanwhile"\n`);
    },
    expect: { code: 0, outcome: 'applied', state: 'new' },
    check: (w) => expect(readFileSync(w.zoneFile, 'utf8')).toContain('added IN TXT "added by hand meanwhile"'),
  },
];

export function zonefileFaultSuite(): void {
  describe('provider faults: zone file', () => {
    let world: ZonefileWorld;
    let dns: TestDnsServer;
    let dir: string;

    beforeAll(async () => {
      dns = await startTestDnsServer();
      dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-zonefile-'));
      // Readable by `nobody` (the read-only case), writable by root only.
      chmodSync(dir, 0o755);
      world = new ZonefileWorld(dns, dir);
    });
    afterAll(async () => {
      await dns.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${CASES.length} faults: old or new state, the right words, the right exit code, then convergence`, async () => {
      await runFaultCases(world, CASES);
    }, 120_000);

    it('a file made unparsable before the round: read fails, the file is left exactly as it is, a fixed file converges', async () => {
      await ledger.fault(
        world.area,
        async () => {
          await world.prepare();
          const broken = `${zoneText(OLD_STATE)}www IN A 45.60.10.1 "unterminated\n`;
          writeFileSync(world.zoneFile, broken);
          const result = await world.sync('faults zonefile unparsable (cli)', 'cli');
          expect(result.code).toBe(1);
          expect(result.stdout).toMatch(/! (read|zone): /);
          expect(readFileSync(world.zoneFile, 'utf8')).toBe(broken);
          writeFileSync(world.zoneFile, zoneText(OLD_STATE));
          const next = await world.sync('faults zonefile unparsable (cli) recovery', 'cli');
          expect(next.code, next.stdout).toBe(0);
          for (const [name, state] of await world.read()) expectExactly(name, state, NEW_STATE);
        },
        { label: 'faults zonefile unparsable (cli)' },
      );
    });

    it('the file deleted between the read and the write: nothing is written, the file is not recreated', async () => {
      await ledger.fault(
        world.area,
        async () => {
          await world.prepare();
          world.beforeApply = () => unlinkSync(world.zoneFile);
          const result = await world.sync('faults zonefile deleted (in-process)', 'in-process');
          expect(result.code).toBe(1);
          expect(result.stdout).toMatch(/! apply: not applied \(/);
          expect(result.stdout).not.toMatch(/✓ applied/);
          expect(existsSync(world.zoneFile)).toBe(false);
          await world.clearFaults();
          writeFileSync(world.zoneFile, zoneText(OLD_STATE));
          const next = await world.sync('faults zonefile deleted (in-process) recovery', 'in-process');
          expect(next.code, next.stdout).toBe(0);
          for (const [name, state] of await world.read()) expectExactly(name, state, NEW_STATE);
        },
        { label: 'faults zonefile deleted (in-process)' },
      );
    });
  });
}
