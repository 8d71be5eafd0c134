import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createProvider } from '../../providers/powerdns/index.js';
import { powerdnsSettings } from '../../providers/powerdns/settings.js';
import { startPowerDns, type PowerDnsServer } from '../support/authoritative/powerdns.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DAEMON_TIMING, daemonThroughFaults, type DaemonFault, type DaemonWorld } from '../support/faults/daemon-faults.js';
import { runFaultCases, traceLevelRuns, type FaultCase } from '../support/faults/fault-matrix.js';
import { HttpFaultProxy } from '../support/faults/http-fault-proxy.js';
import { recordConfig, runRoundInProcess, type RoundResult } from '../support/faults/in-process-round.js';
import { ledger } from '../support/faults/ledger.js';
import { published, type Published } from '../support/faults/published.js';
import { recordedCli } from '../support/faults/recorded-cli.js';
import { NEW_STATE, OLD_STATE, setTarget } from './fault-states.js';

/**
 * The fault matrix for the PowerDNS HTTP API provider: the adapter (Node's fetch) through the
 * HTTP fault proxy to a real PowerDNS Authoritative; what is published is read over PowerDNS's
 * DNS port. The adapter does not retry, so every transient fault fails the round and the next
 * one converges. PowerDNS's API has no conditional write: a concurrent edit is overwritten (the
 * provider declares compareAndSwap false), which the matrix shows as such.
 */

const TARGET = 'lb.powerdns.faults.test';
const ZONE = 'example.test';
const NAMES = ['example.test', 'www.example.test'];
const TIMEOUT_MS = 1500;
const HTML_PAGE = '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

class PowerDnsWorld implements DaemonWorld {
  readonly area = 'faults powerdns';
  readonly names = NAMES;
  readonly oldState = OLD_STATE;
  readonly newState = NEW_STATE;
  readonly configFile: string;
  /** The key apexsync is given (a case may replace it with a wrong one). */
  apiKey: string;

  constructor(
    readonly pdns: PowerDnsServer,
    readonly proxy: HttpFaultProxy,
    readonly dns: TestDnsServer,
    readonly dir: string,
  ) {
    this.apiKey = pdns.api.key;
    this.configFile = path.join(dir, 'apexsync.yaml');
    writeFileSync(this.configFile, this.#config(''));
  }

  #config(extra: string): string {
    return `resolver: { servers: ["${this.dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  pdns: { type: powerdns, url: "${this.proxy.origin}", apiKey: "\${PDNS_API_KEY}", timeoutMs: ${TIMEOUT_MS} }
records:
${NAMES.map((name) => `  - { name: ${name}, target: ${TARGET} }`).join('\n')}
${extra}`;
  }

  setTargetState(state: Published): void {
    setTarget(this.dns, TARGET, state);
  }

  daemonConfig(port: number): { configFile: string; env: Record<string, string>; cwd: string } {
    const configFile = path.join(this.dir, 'apexsync-run.yaml');
    writeFileSync(configFile, this.#config(`server: { listen: "127.0.0.1:${port}" }\n${DAEMON_TIMING}`));
    return { configFile, env: { PDNS_API_KEY: this.apiKey }, cwd: this.dir };
  }

  /** Publishes `state` at `name` with real dynamic updates (the admin key), as another writer would. */
  async publish(name: string, state: Published): Promise<void> {
    for (const family of ['A', 'AAAA'] as const) {
      const set = state[family];
      await this.pdns.setAddresses(ZONE, name, family, set ? set.values : [], set?.ttl ?? 300);
    }
  }

  async prepare(): Promise<void> {
    await this.clearFaults();
    for (const name of NAMES) await this.publish(name, OLD_STATE);
    setTarget(this.dns, TARGET, NEW_STATE);
    this.proxy.resetCounters();
  }

  async clearFaults(): Promise<void> {
    this.apiKey = this.pdns.api.key;
    await this.proxy.clear();
  }

  async read(): Promise<Map<string, Published>> {
    const out = new Map<string, Published>();
    for (const name of NAMES) out.set(name, published(await this.pdns.rrset(name, 'A'), await this.pdns.rrset(name, 'AAAA')));
    return out;
  }

  sync(label: string, via: 'cli' | 'in-process', extraArgs: readonly string[] = []): Promise<RoundResult> {
    if (via === 'cli') return recordedCli(label, ['sync', '-c', this.configFile, ...extraArgs], { cwd: this.dir, env: { PDNS_API_KEY: this.apiKey } });
    return runRoundInProcess(label, {
      records: NAMES.map((name) => recordConfig(name, TARGET, 'pdns')),
      resolver: { servers: [{ host: this.dns.host, port: this.dns.port }], timeoutMs: 1000, attempts: 2 },
      providers: (logger) =>
        new Map([
          ['pdns', createProvider(powerdnsSettings.parse({ type: 'powerdns', url: this.proxy.origin, apiKey: this.apiKey, timeoutMs: TIMEOUT_MS }), { id: 'pdns', logger })],
        ]),
    });
  }
}

type Case = FaultCase<PowerDnsWorld>;

const CASES: Case[] = [
  {
    id: 'refused',
    what: 'connection refused',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /cannot reach PowerDNS/ },
  },
  {
    id: 'read-500',
    what: 'HTTP 500 on every read',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'read', action: { kind: 'respond', status: 500, body: '{"error": "Internal Server Error"}' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /HTTP 500/ },
  },
  {
    id: 'auth-bad-key',
    what: 'an API key PowerDNS does not accept (its own 401)',
    via: 'in-process',
    inject: (w) => {
      w.apiKey = ledger.plant('powerdns wrong API key');
    },
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /refused the API key \(HTTP 401/ },
  },
  {
    id: 'hang-before-write',
    what: 'timeout before the PATCH reached PowerDNS',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'hang-after-write',
    what: 'timeout after PowerDNS applied the PATCH',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-after' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'reset-before-write',
    what: 'connection reset before the PATCH was forwarded',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'reset-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'reset-after-204',
    what: "connection reset after the PATCH's 204 status line (a 204 has no body: PowerDNS's answer was complete)",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'reset-mid-response' } }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
  },
  {
    id: 'read-reset-mid-response',
    what: "connection reset in the middle of the zone's JSON",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'read', path: /\/zones\/example\.test\./, action: { kind: 'reset-mid-response' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'write-502-html',
    what: "a proxy's 502 HTML page instead of the PATCH's answer",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 502, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'read-html-200',
    what: 'an HTML page with status 200 instead of the zone',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'read', path: /\/zones\/example\.test\./, action: { kind: 'respond', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /not JSON/ },
  },
  {
    id: 'write-html-200-after',
    what: 'PowerDNS applied the PATCH, and the answer came back as an HTML page with status 200',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond-after', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'write-422',
    what: 'PowerDNS refuses the PATCH (422, its own error text)',
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        action: {
          kind: 'respond',
          status: 422,
          headers: { 'content-type': 'application/json' },
          body: '{"error": "RRset www.example.test. IN A: Conflicts with pre-existing RRset"}',
        },
      }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(rejected\): [^\n]*Conflicts with pre-existing RRset/ },
  },
  {
    id: 'concurrent-edit-overwritten',
    what: 'a manual edit between the read and the PATCH is overwritten (no compare-and-swap in the API)',
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        times: 1,
        action: { kind: 'before', hook: () => w.publish('example.test', published({ ttl: 300, values: ['45.60.99.99'] }, OLD_STATE.AAAA)) },
      }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
  },
  // Through the built CLI with production settings.
  {
    id: 'refused (cli)',
    what: 'connection refused',
    via: 'cli',
    inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'write-502-html (cli)',
    what: "a proxy's 502 HTML page instead of the PATCH's answer",
    via: 'cli',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 502, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
];

const DAEMON_FAULTS: DaemonFault<PowerDnsWorld>[] = [
  { id: 'write-502-html', inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 502, body: HTML_PAGE } }), wasHit: (w) => w.proxy.hits > 0 },
  { id: 'refused', inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }), wasHit: () => true },
];

export function powerdnsFaultSuite(): void {
  describe('provider faults: PowerDNS HTTP API on a real PowerDNS', () => {
    let world: PowerDnsWorld;
    let pdns: PowerDnsServer;
    let proxy: HttpFaultProxy;
    let dns: TestDnsServer;
    let dir: string;

    beforeAll(async () => {
      pdns = await startPowerDns({ apexZone: ZONE, managedNames: NAMES });
      ledger.plantExisting('faults powerdns API key', pdns.api.key);
      ledger.plantExisting('faults powerdns TSIG secret (admin key)', pdns.adminKey.secret);
      proxy = await HttpFaultProxy.start(pdns.api.url);
      dns = await startTestDnsServer();
      dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-pdns-'));
      world = new PowerDnsWorld(pdns, proxy, dns, dir);
    });
    afterAll(async () => {
      await proxy?.close();
      await dns?.close();
      await pdns?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it(`${CASES.length} faults: old or new state, the right words, the right exit code, then convergence`, async () => {
      await runFaultCases(world, CASES);
    }, 240_000);

    it('trace-level CLI output (JSON and text, and an auth failure) for the secret sweep', async () => {
      await traceLevelRuns(world, (w) => {
        w.apiKey = ledger.plant('powerdns wrong API key (trace)');
      });
    }, 60_000);

    it(`apexsync run lives through ${DAEMON_FAULTS.length} faults and converges after each`, async () => {
      await daemonThroughFaults(world, DAEMON_FAULTS);
    }, 300_000);
  });
}
