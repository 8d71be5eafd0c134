import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/rfc2136/index.js';
import { rfc2136Settings } from '../../providers/rfc2136/settings.js';
import { startBind, type BindServer } from '../support/bind.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DnsFaultRelay } from '../support/faults/dns-fault-relay.js';
import { DAEMON_TIMING, daemonThroughFaults, type DaemonFault, type DaemonWorld } from '../support/faults/daemon-faults.js';
import { runFaultCases, traceLevelRuns, type FaultCase, type Via } from '../support/faults/fault-matrix.js';
import { recordConfig, runRoundInProcess, type RoundResult } from '../support/faults/in-process-round.js';
import { ledger } from '../support/faults/ledger.js';
import { published, type Published } from '../support/faults/published.js';
import { recordedCli } from '../support/faults/recorded-cli.js';
import { NEW_STATE, OLD_STATE, setTarget } from './fault-states.js';

/**
 * The fault matrix for RFC 2136: the adapter (own TSIG signer, DNS over TCP) through the DNS
 * fault relay to a real named. HTTP's faults have DNS counterparts: a 5xx is SERVFAIL, a rate
 * limit or policy refusal is REFUSED, a malformed body is a message that is not DNS, an auth
 * failure is a TSIG key the server does not know, a rejected batch is an UPDATE the
 * update-policy refuses (one name outside it sinks the whole message), a conflict is a failed
 * prerequisite. Most cases run in process (same code, no process start-up); the `cli` ones run
 * the built CLI.
 */

const TARGET = 'lb.rfc2136.faults.test';
const ZONE = 'example.test';
const NAMES = ['example.test', 'www.example.test'];
/** Not granted by the update-policy: an UPDATE that includes it is refused as a whole. */
const DENIED = 'denied.example.test';
const MANUAL_EDIT = ['45.60.99.99'];
const TIMEOUT_MS = 1500;

class Rfc2136World implements DaemonWorld {
  readonly area = 'faults rfc2136';
  readonly names = NAMES;
  readonly oldState = OLD_STATE;
  readonly newState = NEW_STATE;
  /** Set by the batch-rejected case: the round also manages DENIED. */
  includeDenied = false;
  secret: string;

  constructor(
    readonly bind: BindServer,
    readonly relay: DnsFaultRelay,
    readonly dns: TestDnsServer,
    readonly dir: string,
  ) {
    this.secret = bind.apexsyncKey.secret;
  }

  setTargetState(state: Published): void {
    setTarget(this.dns, TARGET, state);
  }

  daemonConfig(port: number): { configFile: string; env: Record<string, string>; cwd: string } {
    const key = this.bind.apexsyncKey;
    const configFile = path.join(this.dir, 'apexsync-run.yaml');
    writeFileSync(
      configFile,
      `resolver: { servers: ["${this.dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  bind: { type: rfc2136, server: "${this.relay.address}", timeoutMs: ${TIMEOUT_MS}, tsig: { name: ${key.name}, algorithm: ${key.algorithm}, secret: "\${TSIG_SECRET}" } }
records:
${NAMES.map((name) => `  - { name: ${name}, target: ${TARGET}, zone: ${ZONE} }`).join('\n')}
server: { listen: "127.0.0.1:${port}" }
${DAEMON_TIMING}`,
    );
    return { configFile, env: { TSIG_SECRET: key.secret }, cwd: this.dir };
  }

  records(): string[] {
    return this.includeDenied ? [...NAMES, DENIED] : [...NAMES];
  }

  async publish(name: string, state: Published): Promise<void> {
    const commands = (['A', 'AAAA'] as const).flatMap((family) => [
      `update delete ${name}. ${family}`,
      ...(state[family]?.values ?? []).map((v) => `update add ${name}. ${state[family]!.ttl} ${family} ${v}`),
    ]);
    await this.bind.nsupdate(ZONE, commands);
  }

  async prepare(): Promise<void> {
    await this.clearFaults();
    for (const name of NAMES) await this.publish(name, OLD_STATE);
    setTarget(this.dns, TARGET, NEW_STATE);
    this.relay.resetCounters();
  }

  /** Faults here are the relay's, a wrong secret and the denied name. */
  async clearFaults(): Promise<void> {
    this.includeDenied = false;
    this.secret = this.bind.apexsyncKey.secret;
    await this.relay.clear();
  }

  async read(): Promise<Map<string, Published>> {
    const out = new Map<string, Published>();
    for (const name of NAMES) out.set(name, published(await this.bind.rrset(name, 'A'), await this.bind.rrset(name, 'AAAA')));
    return out;
  }

  sync(label: string, via: Via, extraArgs: readonly string[] = []): Promise<RoundResult> {
    const key = this.bind.apexsyncKey;
    if (via === 'cli') {
      const configFile = path.join(this.dir, 'apexsync.yaml');
      writeFileSync(
        configFile,
        `resolver: { servers: ["${this.dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  bind: { type: rfc2136, server: "${this.relay.address}", timeoutMs: ${TIMEOUT_MS}, tsig: { name: ${key.name}, algorithm: ${key.algorithm}, secret: "\${TSIG_SECRET}" } }
records:
${this.records()
  .map((name) => `  - { name: ${name}, target: ${TARGET}, zone: ${ZONE} }`)
  .join('\n')}
`,
      );
      return recordedCli(label, ['sync', '-c', configFile, ...extraArgs], { cwd: this.dir, env: { TSIG_SECRET: this.secret } });
    }
    const settings = rfc2136Settings.parse({
      type: 'rfc2136',
      server: this.relay.address,
      timeoutMs: TIMEOUT_MS,
      tsig: { name: key.name, algorithm: key.algorithm, secret: this.secret },
    });
    return runRoundInProcess(label, {
      records: this.records().map((name) => recordConfig(name, TARGET, 'bind', ZONE)),
      resolver: { servers: [{ host: this.dns.host, port: this.dns.port }], timeoutMs: 1000, attempts: 2 },
      providers: (logger) => new Map([['bind', createProvider(settings, { id: 'bind', logger })]]),
    });
  }
}

type Case = FaultCase<Rfc2136World>;

const CASES: Case[] = [
  {
    id: 'refused',
    what: 'connection refused',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'hang-before-update',
    what: 'timeout before the UPDATE reached named',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'hang-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
    check: (w) => expect(w.relay.seen.update).toBe(1),
  },
  {
    id: 'hang-after-update',
    what: 'timeout after named applied the UPDATE',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'hang-after' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
    // Never resent: a replayed UPDATE would fail its prerequisites and read as someone else's edit.
    check: (w) => expect(w.relay.seen.update).toBe(1),
  },
  {
    id: 'reset-before-update',
    what: 'connection reset instead of forwarding the UPDATE',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'reset-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'reset-mid-response',
    what: "connection reset in the middle of the UPDATE's answer",
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'reset-mid-response' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'servfail-update-unsigned',
    what: 'an unsigned SERVFAIL for the UPDATE from something in between (5xx)',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'rcode', rcode: 2 } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old', message: /not signed/ },
  },
  // Reads are signed too, so an unsigned error answer from something in between is not trusted either.
  {
    id: 'servfail-reads',
    what: 'an unsigned SERVFAIL for every query (5xx on reads)',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'query', action: { kind: 'rcode', rcode: 2 } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /answered SERVFAIL to a query signed with .* without a signature; the answer is not trusted/ },
  },
  {
    id: 'refused-reads',
    what: 'an unsigned REFUSED for every query (a rate-limited or locked-down server)',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'query', action: { kind: 'rcode', rcode: 5 } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /answered REFUSED to a query signed with .* without a signature/ },
  },
  {
    id: 'garbage-answer',
    what: 'named applied the UPDATE; the answer is not a DNS message',
    via: 'in-process',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'garbage' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'wrong-tsig-secret',
    what: 'a TSIG secret named does not know for this key (auth failure; the signed reads fail first)',
    via: 'in-process',
    inject: (w) => {
      w.secret = Buffer.alloc(32, 7).toString('base64');
    },
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /NOTAUTH\/BADSIG/ },
    check: (w) => expect(w.relay.seen.update).toBe(0),
  },
  {
    id: 'batch-rejected',
    what: 'one name outside the update-policy: named refuses the whole UPDATE',
    via: 'in-process',
    inject: (w) => {
      w.includeDenied = true;
    },
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(auth\).*REFUSED/ },
    check: (w) => expect(w.relay.seen.update).toBe(1),
  },
  conflictCase('in-process'),
  {
    id: 'refused (cli)',
    what: 'connection refused',
    via: 'cli',
    inject: (w) => w.relay.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'hang-after-update (cli)',
    what: 'timeout after named applied the UPDATE',
    via: 'cli',
    inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'hang-after' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'wrong-tsig-secret (cli)',
    what: 'a TSIG secret named does not know',
    via: 'cli',
    inject: (w) => {
      w.secret = Buffer.alloc(32, 9).toString('base64');
    },
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /NOTAUTH\/BADSIG/ },
  },
  conflictCase('cli'),
];

/** Someone changes the apex A between apexsync's read and its UPDATE: the prerequisites fail. */
function conflictCase(via: Via): Case {
  const edited = published({ ttl: 300, values: MANUAL_EDIT }, OLD_STATE.AAAA);
  return {
    id: via === 'cli' ? 'conflict (cli)' : 'conflict',
    what: 'a manual edit between the read and the UPDATE',
    via,
    inject: (w) => w.relay.inject({ on: 'update', times: 1, action: { kind: 'before', hook: () => w.publish('example.test', edited) } }),
    expect: { code: 1, outcome: 'not-applied', message: /not applied \(conflict\)/, state: (name) => (name === 'example.test' ? edited : OLD_STATE) },
  };
}

const DAEMON_FAULTS: DaemonFault<Rfc2136World>[] = [
  { id: 'servfail-update-unsigned', inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'rcode', rcode: 2 } }), wasHit: (w) => w.relay.hits > 0 },
  { id: 'hang-before-update', inject: (w) => w.relay.inject({ on: 'update', action: { kind: 'hang-before' } }), wasHit: (w) => w.relay.hits > 0 },
  { id: 'refused', inject: (w) => w.relay.inject({ on: 'any', action: { kind: 'refuse' } }), wasHit: () => true },
];

export function rfc2136FaultSuite(): void {
  describe('provider faults: RFC 2136 on a real BIND', () => {
    let world: Rfc2136World;
    let bind: BindServer;
    let relay: DnsFaultRelay;
    let dns: TestDnsServer;
    let dir: string;

    beforeAll(async () => {
      dns = await startTestDnsServer();
      bind = await startBind({ apexZone: ZONE, managedNames: NAMES });
      ledger.plantExisting('faults rfc2136 TSIG secret (apexsync key)', bind.apexsyncKey.secret);
      ledger.plantExisting('faults rfc2136 TSIG secret (admin key)', bind.adminKey.secret);
      relay = await DnsFaultRelay.start({ host: '127.0.0.1', port: bind.port });
      dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-rfc2136-'));
      world = new Rfc2136World(bind, relay, dns, dir);
    });
    afterAll(async () => {
      await relay?.close();
      await bind?.stop();
      await dns?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${CASES.length} faults: old or new state, the right words, the right exit code, then convergence`, async () => {
      await runFaultCases(world, CASES);
    }, 300_000);

    it('trace-level CLI output (JSON and text, and an auth failure) for the secret sweep', async () => {
      await traceLevelRuns(world, (w) => {
        w.secret = Buffer.alloc(32, 5).toString('base64');
      });
    }, 60_000);

    it(`apexsync run lives through ${DAEMON_FAULTS.length} faults and converges after each`, async () => {
      await daemonThroughFaults(world, DAEMON_FAULTS);
    }, 300_000);
  });
}
