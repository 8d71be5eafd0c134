import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { CloudflareFake } from '../support/cloudflare-fake.js';
import { startDnsFace, type DnsFace } from '../support/dns-face.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { cloudflareState, route53State } from '../support/fake-faces.js';
import { Route53Fake } from '../support/route53-fake.js';

/**
 * `apexsync sync` checks what the zone's servers serve, through the real SDKs: the Route 53 and
 * Cloudflare fakes get a DNS face serving their current state after a propagation delay.
 */
const EDGE_A = ['93.184.216.34', '93.184.216.35'];
const EDGE_AAAA = ['2606:2800:220:1:248:1893:25c8:1946'];
const TOKEN = 'cf-verify-test-token-1a2b3c';
const ACCESS_KEY_ID = 'AKIDAPEXSYNCVERIFY';
const SECRET_ACCESS_KEY = 'verifySecret/NotPrinted+abcdefghijklmnop0123';

let dns: TestDnsServer;
let route53: Route53Fake;
let cloudflare: CloudflareFake;
let dir: string;
let configFile: string;
const faces: DnsFace[] = [];

beforeAll(async () => {
  [dns, route53, cloudflare] = await Promise.all([startTestDnsServer(), Route53Fake.start(), CloudflareFake.start({ token: TOKEN })]);
});
afterAll(async () => {
  await Promise.all([dns.close(), route53.close(), cloudflare.close()]);
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-verify-cli-'));
  configFile = path.join(dir, 'apexsync.yaml');
  dns.setCname('lb.target.test', 'edge.target.test', 600);
  dns.setAddresses('edge.target.test', 'A', EDGE_A, 120);
  dns.setAddresses('edge.target.test', 'AAAA', EDGE_AAAA, 120);
  return async () => {
    await Promise.all(faces.splice(0).map((face) => face.close()));
    rmSync(dir, { recursive: true, force: true });
  };
});

function writeConfig(provider: string, verify: string): void {
  writeFileSync(
    configFile,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  p: { ${provider}, verify: ${verify} }
records:
  - { name: example.com, target: lb.target.test }
`,
  );
}

function sync(...args: string[]): Promise<CliResult> {
  return runCli(['sync', '-c', configFile, ...args], {
    cwd: dir,
    env: {
      CLOUDFLARE_API_TOKEN: TOKEN,
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    },
  });
}

interface JsonServed {
  readonly status: string;
  readonly servers: ReadonlyArray<{ server: string; status: string; values: Record<string, string[]> }>;
  readonly seconds: number;
}
function servedOf(result: CliResult): JsonServed {
  const document = JSON.parse(result.stdout) as { records: Array<{ served?: JsonServed }> };
  return document.records[0]!.served!;
}

async function face(state: Parameters<typeof startDnsFace>[0]['state'], delayMs: number): Promise<DnsFace> {
  const started = await startDnsFace({ zone: 'example.com', state, delayMs });
  faces.push(started);
  return started;
}

describe.each([
  {
    provider: 'route53',
    setUp: () => {
      route53.zones.clear();
      const zoneId = route53.createZone('example.com');
      return { settings: `type: route53, endpoint: "${route53.endpoint}"`, state: route53State(route53, zoneId) };
    },
  },
  {
    provider: 'cloudflare',
    setUp: () => {
      cloudflare.zones.length = 0;
      cloudflare.addZone('example.com');
      return { settings: `type: cloudflare, apiToken: "\${CLOUDFLARE_API_TOKEN}", baseUrl: "${cloudflare.baseUrl}"`, state: cloudflareState(cloudflare, 'example.com') };
    },
  },
])('served state through $provider', ({ setUp }) => {
  it('a write is propagating, then served by the name server; a second run checks it once', async () => {
    const { settings, state } = setUp();
    const server = await face(state, 1500);
    writeConfig(settings, `{ servers: ["${server.address}"], timeout: 30s }`);
    const first = await sync('--output', 'json');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const served = servedOf(first);
    expect(served).toMatchObject({ status: 'served', servers: [{ server: server.address, status: 'served', values: { A: EDGE_A, AAAA: EDGE_AAAA } }] });
    // The first answer was the old (empty) state: the face was asked again until it served the write.
    expect(server.queries.get('example.com A')).toBeGreaterThan(1);

    server.queries.clear();
    const second = await sync();
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain('served by 1/1');
    expect([...server.queries]).toEqual([
      ['example.com A', 1],
      ['example.com AAAA', 1],
    ]);
  });

  it('a name server that keeps the old records is diverged after the timeout: exit 1, or 0 with mode report', async () => {
    const { settings, state } = setUp();
    const server = await face(state, 0);
    server.setFrozen(true);
    writeConfig(settings, `{ servers: ["${server.address}"], timeout: 1s }`);
    const result = await sync('--output', 'json');
    expect(result.code, result.stdout).toBe(1);
    expect(servedOf(result)).toMatchObject({ status: 'diverged', servers: [{ server: server.address, status: 'diverged', values: { A: [], AAAA: [] } }] });

    writeConfig(settings, `{ servers: ["${server.address}"], timeout: 1s, mode: report }`);
    const reported = await sync();
    expect(reported.code, reported.stdout).toBe(0);
    expect(reported.stdout).toMatch(/diverged: served by 0\/1 .*answers A none, AAAA none/);
  });
});

describe('served state with verify off', () => {
  it('asks no server', async () => {
    route53.zones.clear();
    const zoneId = route53.createZone('example.com');
    const server = await face(route53State(route53, zoneId), 0);
    writeConfig(`type: route53, endpoint: "${route53.endpoint}"`, `{ servers: ["${server.address}"], mode: off }`);
    const result = await sync('--output', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).records[0].served).toBeUndefined();
    expect(server.queries.size).toBe(0);
  });
});
