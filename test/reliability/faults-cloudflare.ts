import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/cloudflare/index.js';
import { cloudflareSettings } from '../../providers/cloudflare/settings.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DAEMON_TIMING, daemonThroughFaults, type DaemonFault, type DaemonWorld } from '../support/faults/daemon-faults.js';
import { runFaultCases, traceLevelRuns, type FaultCase, type Via } from '../support/faults/fault-matrix.js';
import { HttpFaultProxy } from '../support/faults/http-fault-proxy.js';
import { recordConfig, runRoundInProcess, type RoundResult } from '../support/faults/in-process-round.js';
import { ledger } from '../support/faults/ledger.js';
import { published, type Published } from '../support/faults/published.js';
import { recordedCli } from '../support/faults/recorded-cli.js';
import { NEW_STATE, OLD_STATE, setTarget } from './fault-states.js';

/**
 * The fault matrix for Cloudflare: the official SDK through the fault proxy to the wire-level
 * fake. The request timeout comes from the config (`timeoutMs`, 1 s here), so the in-process and
 * CLI rounds run the adapter exactly as configured; the SDK's own read retries (0.5 s × 2^n,
 * four of them) are production behaviour and make a persistent read fault cost ~8 s, so there is
 * one such case (connection refused).
 */

const TARGET = 'lb.cloudflare.faults.test';
const NAMES = ['example.com', 'www.example.com'];
const TIMEOUT_MS = 1000;
const HTML_PAGE = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>';
const envelope = (status: number, code: number, message: string): string => JSON.stringify({ success: false, errors: [{ code, message }], messages: [], result: null, status });

class CloudflareWorld implements DaemonWorld {
  readonly area = 'faults cloudflare';
  readonly names = NAMES;
  readonly oldState = OLD_STATE;
  readonly newState = NEW_STATE;
  readonly configFile: string;

  constructor(
    readonly fake: CloudflareFake,
    readonly proxy: HttpFaultProxy,
    readonly dns: TestDnsServer,
    readonly dir: string,
    readonly token: string,
  ) {
    fake.addZone('example.com');
    fake.addRecord('example.com', { name: 'example.com', type: 'MX', content: 'mail.example.com', ttl: 3600 });
    this.configFile = path.join(dir, 'apexsync.yaml');
    writeFileSync(
      this.configFile,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  cf: { type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${proxy.origin}/client/v4", timeoutMs: ${TIMEOUT_MS} }
records:
${NAMES.map((name) => `  - { name: ${name}, target: ${TARGET} }`).join('\n')}
`,
    );
  }

  setTargetState(state: Published): void {
    setTarget(this.dns, TARGET, state);
  }

  daemonConfig(port: number): { configFile: string; env: Record<string, string>; cwd: string } {
    const configFile = path.join(this.dir, 'apexsync-run.yaml');
    writeFileSync(
      configFile,
      `resolver: { servers: ["${this.dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  cf: { type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${this.proxy.origin}/client/v4", timeoutMs: ${TIMEOUT_MS} }
records:
${NAMES.map((name) => `  - { name: ${name}, target: ${TARGET} }`).join('\n')}
server: { listen: "127.0.0.1:${port}" }
${DAEMON_TIMING}`,
    );
    return { configFile, env: { CLOUDFLARE_API_TOKEN: this.token }, cwd: this.dir };
  }

  publish(name: string, state: Published): void {
    const zone = this.fake.zone('example.com');
    zone.records = zone.records.filter((r) => !(r.name === name && (r.type === 'A' || r.type === 'AAAA')));
    for (const family of ['A', 'AAAA'] as const) {
      for (const value of state[family]?.values ?? []) this.fake.addRecord('example.com', { name, type: family, content: value, ttl: state[family]!.ttl });
    }
  }

  async prepare(): Promise<void> {
    await this.clearFaults();
    for (const name of NAMES) this.publish(name, OLD_STATE);
    setTarget(this.dns, TARGET, NEW_STATE);
    this.fake.resetCounts();
    this.proxy.resetCounters();
  }

  async clearFaults(): Promise<void> {
    this.fake.token = this.token;
    this.fake.tokenScope = 'edit';
    this.fake.beforeHandle = undefined;
    this.fake.rateLimitNext(0);
    await this.proxy.clear();
  }

  async read(): Promise<Map<string, Published>> {
    const state = (name: string, family: 'A' | 'AAAA') => {
      const records = this.fake.records('example.com', { name, type: family });
      return records.length === 0 ? undefined : { ttl: Math.min(...records.map((r) => r.ttl)), values: records.map((r) => r.content) };
    };
    return new Map(NAMES.map((name) => [name, published(state(name, 'A'), state(name, 'AAAA'))]));
  }

  sync(label: string, via: Via, extraArgs: readonly string[] = []): Promise<RoundResult> {
    if (via === 'cli') return recordedCli(label, ['sync', '-c', this.configFile, ...extraArgs], { cwd: this.dir, env: { CLOUDFLARE_API_TOKEN: this.token } });
    return runRoundInProcess(label, {
      records: NAMES.map((name) => recordConfig(name, TARGET, 'cf')),
      resolver: { servers: [{ host: this.dns.host, port: this.dns.port }], timeoutMs: 1000, attempts: 2 },
      providers: (logger) =>
        new Map([
          [
            'cf',
            createProvider(cloudflareSettings.parse({ type: 'cloudflare', apiToken: this.token, baseUrl: `${this.proxy.origin}/client/v4`, timeoutMs: TIMEOUT_MS }), {
              id: 'cf',
              logger,
            }),
          ],
        ]),
    });
  }
}

type Case = FaultCase<CloudflareWorld>;
const batchWrite = /\/dns_records\/batch$/;

const CASES: Case[] = [
  {
    id: 'refused',
    what: 'connection refused',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /cannot reach the Cloudflare API/ },
  },
  {
    id: 'read-500-once',
    what: "one 500 on a read, absorbed by the SDK's retry",
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'read',
        times: 1,
        action: { kind: 'respond', status: 500, headers: { 'content-type': 'application/json' }, body: envelope(500, 10001, 'Internal Server Error') },
      }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
    check: (w) => expect(w.fake.requests.filter((r) => r.retryCount > 0).length).toBe(1),
  },
  {
    id: 'hang-before-write',
    what: 'timeout before the write reached Cloudflare',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'hang-after-write',
    what: 'timeout after Cloudflare applied the write',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-after' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
    // Not resent after a timeout: the batch went once.
    check: (w) => expect(w.fake.batchCalls).toBe(1),
  },
  {
    id: 'reset-before-write',
    what: 'connection reset before the write was forwarded',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'reset-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'reset-mid-response',
    what: "connection reset in the middle of the write's response",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'reset-mid-response' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'write-502-html',
    what: "a 502 HTML page instead of the write's answer",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 502, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'write-429-twice',
    what: 'two 429s on the write, absorbed by the write retry',
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        times: 2,
        action: {
          kind: 'respond',
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '0' },
          body: envelope(429, 971, 'Please wait and consider throttling your request speed'),
        },
      }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
    check: (w) => expect(w.proxy.seen.write).toBe(3),
  },
  {
    id: 'write-429-storm',
    what: '429 on every write attempt',
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        action: {
          kind: 'respond',
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '0' },
          body: envelope(429, 971, 'Please wait and consider throttling your request speed'),
        },
      }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(rate-limit\)/ },
  },
  {
    id: 'read-429-storm',
    what: "429 on every request (the fake's own rate limiter)",
    via: 'in-process',
    inject: (w) => w.fake.rateLimitNext(1000, 0),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /rate limited by Cloudflare/ },
  },
  {
    id: 'long-retry-after',
    what: '429 with a five-minute Retry-After on every request: fails the round at once instead of hanging',
    via: 'in-process',
    inject: (w) => w.fake.rateLimitNext(1000, 300),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /rate limited by Cloudflare.*retry after 300 s/ },
    // No retry against a Retry-After longer than a round waits: the one zone listing that every
    // record's discovery shares, once (it was one lookup by name per record before the listing).
    check: (w) => expect(w.fake.rateLimited).toBe(1),
  },
  {
    id: 'read-html-200',
    what: 'an HTML page with status 200 instead of the record listing',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'read', path: /dns_records/, action: { kind: 'respond', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'write-html-200',
    what: "an HTML page with status 200 instead of the write's answer (never forwarded)",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'write-html-200-after',
    what: 'Cloudflare applied the write; the answer came back as HTML with status 200',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond-after', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'auth-bad-token',
    what: 'a token Cloudflare does not accept',
    via: 'in-process',
    inject: (w) => {
      w.fake.token = 'a-token-that-is-not-this-one';
    },
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /Cloudflare refused the API token/ },
  },
  {
    id: 'token-read-only',
    what: 'a token that may read but not edit',
    via: 'in-process',
    inject: (w) => {
      w.fake.tokenScope = 'read';
    },
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(auth\)/ },
  },
  {
    id: 'batch-rejected',
    what: 'the batch rejected as invalid',
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        path: batchWrite,
        action: { kind: 'respond', status: 400, headers: { 'content-type': 'application/json' }, body: envelope(400, 1004, 'DNS Validation Error') },
      }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(rejected\)/ },
  },
  conflictCase('in-process'),
  // Through the built CLI.
  {
    id: 'write-502-html (cli)',
    what: "a 502 HTML page instead of the write's answer",
    via: 'cli',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 502, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'token-read-only (cli)',
    what: 'a token that may read but not edit',
    via: 'cli',
    inject: (w) => {
      w.fake.tokenScope = 'read';
    },
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(auth\)/ },
  },
  {
    id: 'long-retry-after (cli)',
    what: '429 with a five-minute Retry-After on every request',
    via: 'cli',
    inject: (w) => w.fake.rateLimitNext(1000, 300),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /rate limited by Cloudflare/ },
  },
  conflictCase('cli'),
];

/**
 * Someone deletes the apex A records between apexsync's read and its write. Cloudflare has no
 * compare-and-swap, but the batch updates record ids that no longer exist: the whole batch fails.
 */
function conflictCase(via: Via): Case {
  return {
    id: via === 'cli' ? 'conflict (cli)' : 'conflict',
    what: 'a manual deletion between the read and the write',
    via,
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        times: 1,
        action: { kind: 'before', hook: () => w.publish('example.com', published(undefined, OLD_STATE.AAAA)) },
      }),
    expect: {
      code: 1,
      outcome: 'not-applied',
      message: /not applied \(conflict\)/,
      state: (name) => (name === 'example.com' ? published(undefined, OLD_STATE.AAAA) : OLD_STATE),
    },
  };
}

const slowGateway = { kind: 'respond', status: 502, body: HTML_PAGE } as const;
const tooMany = {
  kind: 'respond',
  status: 429,
  headers: { 'content-type': 'application/json', 'retry-after': '0' },
  body: envelope(429, 971, 'Please wait and consider throttling your request speed'),
} as const;
const DAEMON_FAULTS: DaemonFault<CloudflareWorld>[] = [
  { id: 'write-502-html', inject: (w) => w.proxy.inject({ on: 'write', action: slowGateway }), wasHit: (w) => w.proxy.hits > 0 },
  { id: 'write-429-storm', inject: (w) => w.proxy.inject({ on: 'write', action: tooMany }), wasHit: (w) => w.proxy.hits > 0 },
  { id: 'hang-after-write', inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-after' } }), wasHit: (w) => w.proxy.hits > 0 },
  // A refused connection never reaches the proxy to be counted; the SDK's retries make it the slowest.
  { id: 'refused', inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }), wasHit: () => true },
];

export function cloudflareFaultSuite(): void {
  describe('provider faults: Cloudflare', () => {
    let world: CloudflareWorld;
    let fake: CloudflareFake;
    let proxy: HttpFaultProxy;
    let dns: TestDnsServer;
    let dir: string;

    beforeAll(async () => {
      const token = ledger.plant('cloudflare API token');
      dns = await startTestDnsServer();
      fake = await CloudflareFake.start({ token });
      proxy = await HttpFaultProxy.start(new URL(fake.baseUrl).origin);
      dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-cf-'));
      world = new CloudflareWorld(fake, proxy, dns, dir, token);
    });
    afterAll(async () => {
      await proxy.close();
      await fake.close();
      await dns.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${CASES.length} faults: old or new state, the right words, the right exit code, then convergence`, async () => {
      await runFaultCases(world, CASES);
    }, 240_000);

    it('trace-level CLI output (JSON and text, and an auth failure) for the secret sweep', async () => {
      await traceLevelRuns(world, (w) => {
        w.fake.token = 'a-token-that-is-not-this-one';
      });
    }, 60_000);

    it(`apexsync run lives through ${DAEMON_FAULTS.length} faults and converges after each`, async () => {
      await daemonThroughFaults(world, DAEMON_FAULTS);
    }, 300_000);
  });
}
