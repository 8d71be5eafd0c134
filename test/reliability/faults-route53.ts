import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider, type Route53Tuning } from '../../providers/route53/index.js';
import { RateLimiter } from '../../src/lib/rate-limit.js';
import { route53Settings } from '../../providers/route53/settings.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DAEMON_TIMING, daemonThroughFaults, type DaemonFault, type DaemonWorld } from '../support/faults/daemon-faults.js';
import { runFaultCases, traceLevelRuns, type FaultCase, type Via } from '../support/faults/fault-matrix.js';
import { HttpFaultProxy } from '../support/faults/http-fault-proxy.js';
import { recordConfig, runRoundInProcess, type RoundResult } from '../support/faults/in-process-round.js';
import { ledger } from '../support/faults/ledger.js';
import { published, type Published } from '../support/faults/published.js';
import { recordedCli } from '../support/faults/recorded-cli.js';
import { Route53Fake } from '../support/route53-fake.js';
import { NEW_STATE, OLD_STATE, setTarget } from './fault-states.js';

/**
 * The fault matrix for Route 53: the real AWS SDK through the fault proxy to the wire-level
 * fake. In process, the adapter gets short timeouts and retry delays (Route53Tuning, which the
 * config file cannot set: the defaults are a 20 s timeout and 1 s throttling backoff); the cases
 * marked `cli` run the built CLI with the production defaults, where they are fast anyway.
 */

const TARGET = 'lb.route53.faults.test';
const NAMES = ['example.com', 'www.example.com'];
const MANUAL_EDIT = ['45.60.99.99'];

const FAST: Partial<Route53Tuning> = {
  maxAttempts: 3,
  throttlingBaseDelayMs: 5,
  transientBaseDelayMs: 5,
  maxRetryDelayMs: 20,
  requestTimeoutMs: 1_000,
  connectionTimeoutMs: 500,
  pacer: new RateLimiter({ limit: 10_000, windowMs: 1_000 }),
};

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>0f5a6a48-proxy</RequestId></ErrorResponse>`;
const HTML_PAGE = '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>';

class Route53World implements DaemonWorld {
  readonly area = 'faults route53';
  readonly names = NAMES;
  readonly oldState = OLD_STATE;
  readonly newState = NEW_STATE;
  zoneId = '';
  configFile = '';

  constructor(
    readonly fake: Route53Fake,
    readonly proxy: HttpFaultProxy,
    readonly dns: TestDnsServer,
    readonly dir: string,
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
  ) {
    this.zoneId = fake.createZone('example.com');
    this.configFile = path.join(dir, 'apexsync.yaml');
    writeFileSync(
      this.configFile,
      `resolver: { servers: ["${dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  aws: { type: route53, region: us-east-1, endpoint: "${proxy.origin}" }
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
  aws: { type: route53, region: us-east-1, endpoint: "${this.proxy.origin}" }
records:
${NAMES.map((name) => `  - { name: ${name}, target: ${TARGET} }`).join('\n')}
server: { listen: "127.0.0.1:${port}" }
${DAEMON_TIMING}`,
    );
    return { configFile, env: { AWS_ACCESS_KEY_ID: this.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey }, cwd: this.dir };
  }

  publish(name: string, state: Published): void {
    for (const family of ['A', 'AAAA'] as const) {
      const set = state[family];
      if (set) this.fake.setRecordSet(this.zoneId, { name, type: family, ttl: set.ttl, values: [...set.values] });
      else this.fake.deleteRecordSet(this.zoneId, name, family);
    }
  }

  async prepare(): Promise<void> {
    await this.clearFaults();
    for (const name of NAMES) this.publish(name, OLD_STATE);
    setTarget(this.dns, TARGET, NEW_STATE);
    this.fake.resetCounters();
    this.proxy.resetCounters();
  }

  async clearFaults(): Promise<void> {
    this.fake.clearFaults();
    this.fake.expectedAccessKeyId = this.credentials.accessKeyId;
    await this.proxy.clear();
  }

  async read(): Promise<Map<string, Published>> {
    const state = (name: string, family: 'A' | 'AAAA') => {
      const set = this.fake.recordSet(this.zoneId, name, family);
      return set ? { ttl: set.ttl ?? 0, values: [...(set.values ?? [])] } : undefined;
    };
    return new Map(NAMES.map((name) => [name, published(state(name, 'A'), state(name, 'AAAA'))]));
  }

  sync(label: string, via: Via, extraArgs: readonly string[] = []): Promise<RoundResult> {
    if (via === 'cli') {
      return recordedCli(label, ['sync', '-c', this.configFile, ...extraArgs], {
        cwd: this.dir,
        env: { AWS_ACCESS_KEY_ID: this.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey },
      });
    }
    return runRoundInProcess(label, {
      records: NAMES.map((name) => recordConfig(name, TARGET, 'aws')),
      resolver: { servers: [{ host: this.dns.host, port: this.dns.port }], timeoutMs: 1000, attempts: 2 },
      providers: (logger) =>
        new Map([['aws', createProvider(route53Settings.parse({ type: 'route53', region: 'us-east-1', endpoint: this.proxy.origin }), { id: 'aws', logger }, FAST)]]),
    });
  }
}

type Case = FaultCase<Route53World>;

const CASES: Case[] = [
  {
    id: 'refused',
    what: 'connection refused',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /cannot reach Route 53|ECONNREFUSED/ },
  },
  {
    id: 'read-500-once',
    what: 'one InternalFailure (500) on a read, absorbed by the retry',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'InternalFailure', operation: 'ListResourceRecordSets', times: 1 }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
    check: (w) => expect(w.fake.retries('ListResourceRecordSets')).toBe(1),
  },
  {
    id: 'read-500',
    what: 'InternalFailure (500) on every read',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'InternalFailure', operation: 'ListResourceRecordSets', fraction: 1 }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'read-throttling-storm',
    what: 'Throttling on every read',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'Throttling', operation: 'ListResourceRecordSets', fraction: 1 }),
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /throttling/i },
    check: (w) => expect(w.fake.calls.ChangeResourceRecordSets).toBe(0),
  },
  {
    id: 'write-throttling-twice',
    what: 'Throttling twice on the write, absorbed by the retries',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'Throttling', operation: 'ChangeResourceRecordSets', times: 2 }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
    check: (w) => expect(w.fake.calls.ChangeResourceRecordSets).toBe(3),
  },
  {
    id: 'write-prior-request',
    what: 'PriorRequestNotComplete once on the write',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'PriorRequestNotComplete', operation: 'ChangeResourceRecordSets', times: 1 }),
    expect: { code: 0, outcome: 'applied', state: 'new' },
  },
  {
    id: 'write-throttling-storm',
    what: 'Throttling on every write attempt',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'Throttling', operation: 'ChangeResourceRecordSets', fraction: 1 }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(rate-limit\)/ },
    check: (w) => expect(w.fake.calls.ChangeResourceRecordSets).toBe(FAST.maxAttempts),
  },
  {
    id: 'hang-before-write',
    what: 'timeout before the write reached Route 53',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-before' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'hang-after-write',
    what: 'timeout after Route 53 applied the write',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'hang-after' } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
    // The write is not resent after a timeout (a replayed DELETE(old) would fail as a false conflict).
    check: (w) => expect(w.fake.calls.ChangeResourceRecordSets).toBe(1),
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
    id: 'write-503-html',
    what: "a 503 HTML page instead of the write's answer",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 503, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'read-html-200',
    what: 'an HTML page with status 200 instead of the record listing',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'read', path: /\/rrset/, action: { kind: 'respond', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'write-html-200',
    what: "an HTML page with status 200 instead of the write's answer (the write never reached Route 53)",
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'write-html-200-after',
    what: 'Route 53 applied the write, and the answer came back as an HTML page with status 200',
    via: 'in-process',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond-after', status: 200, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'new' },
  },
  {
    id: 'auth-bad-key',
    what: 'credentials Route 53 does not know (InvalidClientTokenId)',
    via: 'in-process',
    inject: (w) => {
      w.fake.expectedAccessKeyId = 'AKIAOTHERACCOUNTKEY1';
    },
    expect: { code: 1, outcome: 'read-failed', state: 'old', message: /AWS rejected the credentials/ },
  },
  {
    id: 'write-access-denied',
    what: 'AccessDenied on the write (the IAM policy lacks ChangeResourceRecordSets)',
    via: 'in-process',
    inject: (w) => w.fake.inject({ error: 'AccessDenied', operation: 'ChangeResourceRecordSets', fraction: 1 }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(auth\)/ },
  },
  {
    id: 'batch-rejected',
    what: 'the change batch rejected as invalid',
    via: 'in-process',
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        action: {
          kind: 'respond',
          status: 400,
          headers: { 'content-type': 'text/xml' },
          body: xmlError('InvalidChangeBatch', '[Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address encountered]'),
        },
      }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(rejected\)/ },
  },
  conflictCase('in-process'),
  // Through the built CLI with production settings.
  {
    id: 'refused (cli)',
    what: 'connection refused',
    via: 'cli',
    inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }),
    expect: { code: 1, outcome: 'read-failed', state: 'old' },
  },
  {
    id: 'write-503-html (cli)',
    what: "a 503 HTML page instead of the write's answer",
    via: 'cli',
    inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 503, body: HTML_PAGE } }),
    expect: { code: 1, outcome: 'unconfirmed', state: 'old' },
  },
  {
    id: 'write-access-denied (cli)',
    what: 'AccessDenied on the write',
    via: 'cli',
    inject: (w) => w.fake.inject({ error: 'AccessDenied', operation: 'ChangeResourceRecordSets', fraction: 1 }),
    expect: { code: 1, outcome: 'not-applied', state: 'old', message: /not applied \(auth\)/ },
  },
  conflictCase('cli'),
];

/** Someone changes the apex A between apexsync's read and its write: Route 53's DELETE(old) no longer matches. */
function conflictCase(via: Via): Case {
  return {
    id: via === 'cli' ? 'conflict (cli)' : 'conflict',
    what: 'a manual edit between the read and the write',
    via,
    inject: (w) =>
      w.proxy.inject({
        on: 'write',
        times: 1,
        action: { kind: 'before', hook: () => w.publish('example.com', published({ ttl: 300, values: MANUAL_EDIT }, OLD_STATE.AAAA)) },
      }),
    expect: {
      code: 1,
      outcome: 'not-applied',
      message: /not applied \(conflict\)/,
      // The person's edit stands; the other name shared the atomic batch and kept its old records.
      state: (name) => (name === 'example.com' ? published({ ttl: 300, values: MANUAL_EDIT }, OLD_STATE.AAAA) : OLD_STATE),
    },
  };
}

/** Faults that production timings (a 20 s request timeout, 1 s throttling backoff) still meet quickly. */
const DAEMON_FAULTS: DaemonFault<Route53World>[] = [
  { id: 'write-503-html', inject: (w) => w.proxy.inject({ on: 'write', action: { kind: 'respond', status: 503, body: HTML_PAGE } }), wasHit: (w) => w.proxy.hits > 0 },
  {
    id: 'write-access-denied',
    inject: (w) => w.fake.inject({ error: 'AccessDenied', operation: 'ChangeResourceRecordSets', fraction: 1 }),
    wasHit: (w) => w.fake.requests.some((r) => r.errorCode === 'AccessDenied'),
  },
  { id: 'refused', inject: (w) => w.proxy.inject({ on: 'any', action: { kind: 'refuse' } }), wasHit: () => true },
];

export function route53FaultSuite(): void {
  describe('provider faults: Route 53', () => {
    let world: Route53World;
    let fake: Route53Fake;
    let proxy: HttpFaultProxy;
    let dir: string;
    let dns: TestDnsServer;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

    beforeAll(async () => {
      const credentials = { accessKeyId: ledger.plant('route53 AWS access key id', 'aws-id'), secretAccessKey: ledger.plant('route53 AWS secret key', 'aws-secret') };
      // In process, the SDK's credential chain reads the environment (as the CLI's does).
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      dns = await startTestDnsServer();
      fake = await Route53Fake.start();
      proxy = await HttpFaultProxy.start(fake.endpoint);
      dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-r53-'));
      world = new Route53World(fake, proxy, dns, dir, credentials);
    });
    afterAll(async () => {
      await proxy.close();
      await fake.close();
      await dns.close();
      rmSync(dir, { recursive: true, force: true });
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    });

    it(`${CASES.length} faults: old or new state, the right words, the right exit code, then convergence`, async () => {
      await runFaultCases(world, CASES);
    }, 300_000);

    it('trace-level CLI output (JSON and text, and an auth failure) for the secret sweep', async () => {
      await traceLevelRuns(world, (w) => {
        w.fake.expectedAccessKeyId = 'AKIAOTHERACCOUNTKEY1';
      });
    }, 60_000);

    it(`apexsync run lives through ${DAEMON_FAULTS.length} faults and converges after each`, async () => {
      await daemonThroughFaults(world, DAEMON_FAULTS);
    }, 300_000);
  });
}
