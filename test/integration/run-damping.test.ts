import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DaemonProcess, eventually, freePort } from '../support/faults/daemon-process.js';

/**
 * Churn damping as the daemon does it: `apexsync run` (the built CLI) against the in-process DNS
 * server and a zone file, with TTLs of 1–2 s and intervals of 1–2 s, the default hold-down and 3
 * samples per round. Every wait is a poll with a generous bound; no test waits for minutes.
 */

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. ( 2024010100 7200 3600 1209600 300 )
    IN NS  ns1.example.com.
ns1 IN A 192.0.2.53
`;
const POOL = ['52.4.7.1', '52.4.7.2', '52.4.7.3', '52.4.7.4', '52.4.7.5', '52.4.7.6', '52.4.7.7', '52.4.7.8'];
const TARGET = 'pool.target.test';

let dns: TestDnsServer;
let dir: string;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  dns = await startTestDnsServer();
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-damping-'));
  writeFileSync(path.join(dir, 'example.com.zone'), ZONE);
  dns.remove(TARGET);
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the daemon; `ttl` is the record's TTL policy (the hold-down's bound is its max). */
async function start(ttl = '{ min: 60, max: 3600 }'): Promise<DaemonProcess> {
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 2 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: ${TARGET}, families: [A], ttl: ${ttl} }
schedule: "0 0 1 1 *"
interval: { min: 1s, max: 2s }
damping: { samples: 3 }
server: { listen: "127.0.0.1:${port}" }
logLevel: info
`,
  );
  daemon = DaemonProcess.start('damping daemon', ['-c', 'apexsync.yaml'], { cwd: dir, port });
  return daemon;
}

/** The apex A addresses in the zone file, sorted. */
function published(): string[] {
  const text = readFileSync(path.join(dir, 'example.com.zone'), 'utf8');
  const apex = text.split('\n').filter((line) => /^(@|example\.com\.)\s/.test(line) && /\sA\s/.test(line));
  return apex.map((line) => line.trim().split(/\s+/).at(-1)!).sort();
}

const writes = (d: DaemonProcess): number => d.stderr.split('\n').filter((line) => line.includes('"msg":"records updated"')).length;
const sorted = (values: readonly string[]): string[] => [...values].sort();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('apexsync run: churn damping against a real DNS server', () => {
  it('a stable target that moves (and fails back) is mirrored exactly: the name answers the new set only within its TTL plus a few seconds', async () => {
    dns.setAddresses(TARGET, 'A', ['52.4.7.1', '52.4.7.2'], 2);
    const d = await start();
    expect(await eventually(() => published().join() === '52.4.7.1,52.4.7.2', 15_000)).toBe(true);
    // Several rounds of the same answer: nothing to learn from, nothing written.
    await sleep(3000);
    expect(writes(d)).toBe(1);

    dns.setAddresses(TARGET, 'A', ['52.4.7.2', '52.4.7.9'], 2);
    // TTL 2 s (the next round) plus slack for a loaded machine; the old address is not held for 5 minutes.
    expect(await eventually(() => published().join() === '52.4.7.2,52.4.7.9', 2000 + 8000)).toBe(true);
    dns.setAddresses(TARGET, 'A', ['34.200.1.1'], 2);
    expect(await eventually(() => published().join() === '34.200.1.1', 2000 + 8000)).toBe(true);
    // A failback to addresses seen a moment ago is a move too, not a rotation.
    dns.setAddresses(TARGET, 'A', ['52.4.7.2', '52.4.7.9'], 2);
    expect(await eventually(() => published().join() === '52.4.7.2,52.4.7.9', 2000 + 8000)).toBe(true);
    expect(writes(d)).toBe(4);
    expect((await d.stop()).code).toBe(0);
  });

  it('a pool answering 4 of 8 at random settles on all 8, then writes nothing; a wholesale move is published at once, alone', async () => {
    dns.setRotatingPool(TARGET, 'A', POOL, 4, 1);
    const d = await start();
    expect(await eventually(() => published().join() === sorted(POOL).join(), 30_000)).toBe(true);
    const settled = writes(d);
    const queriesBefore = dns.queries.length;
    await sleep(8000);
    // Several rounds ran (3 lookups each), and none of them wrote.
    expect(dns.queries.length - queriesBefore).toBeGreaterThanOrEqual(9);
    expect(writes(d)).toBe(settled);
    expect(published()).toEqual(sorted(POOL));

    const moved = POOL.map((a) => a.replace('52.4.7.', '34.200.1.'));
    dns.setRotatingPool(TARGET, 'A', moved, 4, 1);
    // The first write after the move holds new addresses only (old ones removed in that write).
    expect(await eventually(() => writes(d) > settled, 10_000)).toBe(true);
    expect(published().length).toBeGreaterThan(0);
    expect(published().every((a) => moved.includes(a))).toBe(true);
    expect(await eventually(() => published().join() === sorted(moved).join(), 30_000)).toBe(true);
    expect((await d.stop()).code).toBe(0);
  });

  it('the hold-down is bounded by ttl.max even when the target answers TTL 2^31−1: addresses leaving a rotating pool go within seconds', async () => {
    dns.setRotatingPool(TARGET, 'A', POOL, 4, 2_147_483_647);
    const d = await start('{ min: 1, max: 3 }');
    expect(await eventually(() => published().join() === sorted(POOL).join(), 30_000)).toBe(true);
    const remaining = POOL.slice(0, 6);
    dns.setRotatingPool(TARGET, 'A', remaining, 4, 2_147_483_647);
    // ttl.max (3 s) of hold-down, plus a round (≤ 2 s), plus slack.
    expect(await eventually(() => published().join() === sorted(remaining).join(), 3000 + 2000 + 10_000)).toBe(true);
    expect((await d.stop()).code).toBe(0);
  });

  it('an answer with a refused address is not published and blocks nothing: the migration right after it is published at once', async () => {
    dns.setAddresses(TARGET, 'A', ['52.4.7.1'], 1);
    const d = await start();
    expect(await eventually(() => published().join() === '52.4.7.1', 15_000)).toBe(true);
    dns.setAddresses(TARGET, 'A', ['52.4.7.1', '10.0.0.5'], 1);
    expect(await eventually(() => d.stderr.includes('refused special-purpose address 10.0.0.5'), 10_000)).toBe(true);
    expect(published()).toEqual(['52.4.7.1']);
    dns.setAddresses(TARGET, 'A', ['34.200.1.1'], 1);
    expect(await eventually(() => published().join() === '34.200.1.1', 10_000)).toBe(true);
    expect((await d.stop()).code).toBe(0);
  });
});
