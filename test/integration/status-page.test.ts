import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/status/store.js';
import { CLI } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * The daemon's status page in a real browser: the built CLI's `apexsync run` against a temp zone
 * file and the in-process DNS server, the page at `/` read by headless Chromium (the Debian
 * package, driven by playwright-core) with JavaScript off, through a success, a failure whose
 * message carries markup from the wire, and the recovery. Screenshots go to test-artifacts/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const TOKEN = 'st4tus-T0KEN-6c1e';
const EVIL = '<img src=x onerror=alert(1)>';

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. ( 2024010100 7200 3600 1209600 300 )
    IN NS  ns1.example.com.
@   300 IN A 198.18.0.1
ns1 IN A 192.0.2.53
`;

let dns: TestDnsServer;
let dir: string;
let port: number;
let daemon: ChildProcess;
let output = '';
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  dns = await startTestDnsServer();
  dns.setAddresses('lb.target.test', 'A', ['93.184.216.34'], 2);
  dns.setAddresses('api.target.test', 'A', ['151.101.1.10'], 2);
  dns.setAddresses('api.target.test', 'AAAA', ['2a04:4e42::10'], 2);
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-status-'));
  writeFileSync(path.join(dir, 'example.com.zone'), ZONE);
  port = await freePort();
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 300, attempts: 1 }
providers:
  files: { type: zonefile, file: example.com.zone, verify: { mode: off } }
records:
  - { name: example.com, target: lb.target.test, families: [A] }
  - { name: api.example.com, target: api.target.test }
schedule: "*/5 * * * * *"
interval: { min: 1s, max: 2s }
staleAfter: 60s
damping: { holdDown: 0, samples: 1 }
server: { listen: "127.0.0.1:${port}" }
heartbeat: { url: "http://127.0.0.1:9/ping/${TOKEN}" }
notify:
  - { url: "http://127.0.0.1:9/hook/${TOKEN}" }
`,
  );
  daemon = spawn(process.execPath, [CLI, 'run', '-c', 'apexsync.yaml'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  daemon.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  daemon.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(path.join(tmpdir(), 'apexsync-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    javaScriptEnabled: false,
    viewport: { width: 1400, height: 700 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.once('close', resolve));
  }
  await dns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What a person sees in each row of the records table. */
async function rows(page: Page): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const row of await page.locator('#records tbody tr').all()) {
    const cells = await row.locator('td').allInnerTexts();
    found[cells[0]!] = cells;
  }
  return found;
}

async function status(): Promise<StatusDocument> {
  const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as StatusDocument;
}

describe('status page', () => {
  it('shows every record, a failure in words (escaped), and the recovery, in a browser with JavaScript off', async () => {
    await waitFor(async () => (await status().catch(() => undefined))?.summary.ok === 2, 'both records in sync');
    const page = await context.newPage();
    const response = await page.goto(`http://127.0.0.1:${port}/`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.title()).toBe('apexsync: all in sync');
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('10');

    let table = await rows(page);
    expect(Object.keys(table)).toEqual(['example.com', 'api.example.com']);
    // Record, provider · zone, target, state, published, last change, last success, next check, error.
    expect(table['example.com']!.slice(0, 5)).toEqual(['example.com', 'files · example.com', 'lb.target.test', 'OK', 'A 93.184.216.34']);
    expect(table['example.com']![5]).toContain('A 198.18.0.1 → 93.184.216.34');
    expect(table['example.com']![6]).toMatch(/UTC \((now|\d+ s ago)\)$/);
    expect(table['example.com']![8]).toBe('');
    expect(table['api.example.com']!.slice(3, 5)).toEqual(['OK', 'A 151.101.1.10\nAAAA 2a04:4e42::10']);
    expect(table['api.example.com']![5]).toContain('AAAA (none) → 2a04:4e42::10');
    const changes = await page.locator('#changes tbody tr').allInnerTexts();
    expect(changes).toHaveLength(3);
    expect(changes.join('\n')).toContain('example.com\tfiles · example.com\tA 198.18.0.1 → 93.184.216.34');
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-in-sync.png'), fullPage: true });

    // The target's chain now loops through a name holding markup: the error shows it as text.
    dns.remove('lb.target.test');
    dns.setCname('lb.target.test', `${EVIL}.evil.test`, 2);
    dns.setCname(`${EVIL}.evil.test`, 'lb.target.test', 2);
    await waitFor(async () => (await status()).summary.failing === 1, 'the failure');
    await page.reload();
    expect(await page.title()).toBe('apexsync: 1 failing');
    table = await rows(page);
    expect(table['example.com']![3]).toBe('Failing');
    expect(table['example.com']![4]).toBe('A 93.184.216.34');
    expect(table['example.com']![8]).toContain('resolve: ');
    // The label is shown as DNS presentation format writes it (space as \032, parentheses escaped), as text: never markup.
    expect(table['example.com']![8]).toContain('CNAME loop: lb.target.test → <img\\032src=x\\032onerror=alert\\(1\\)>.evil.test → lb.target.test');
    expect(table['example.com']![8]).toMatch(/since .* UTC/);
    expect(table['api.example.com']![3]).toBe('OK');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('tr.failing').count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-failing.png'), fullPage: true });
    expect((await status()).records.find((r) => r.name === 'example.com')!.error).toMatchObject({ stage: 'resolve', kind: expect.any(String) as unknown });

    // Recovery, to new addresses.
    dns.remove(`${EVIL}.evil.test`);
    dns.remove('lb.target.test');
    dns.setAddresses('lb.target.test', 'A', ['93.184.216.99'], 2);
    await waitFor(async () => (await status()).summary.ok === 2, 'the recovery');
    await page.reload();
    table = await rows(page);
    expect(table['example.com']!.slice(3, 5)).toEqual(['OK', 'A 93.184.216.99']);
    expect(table['example.com']![5]).toContain('A 93.184.216.34 → 93.184.216.99');
    expect(table['example.com']![8]).toBe('');
    expect((await page.locator('#changes tbody tr').allInnerTexts())[0]).toContain('A 93.184.216.34 → 93.184.216.99');
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-recovered.png'), fullPage: true });

    // It reloads itself (meta refresh, no script).
    const reloaded = page.waitForEvent('load', { timeout: 30_000 });
    await reloaded;

    const html = await page.content();
    const json = JSON.stringify(await status());
    for (const text of [html, json, output]) expect(text).not.toContain(TOKEN);
    await page.close();

    // The same data as JSON at /status.
    const document = await status();
    expect(Object.keys(document)).toEqual(['generatedAt', 'startedAt', 'summary', 'records', 'recentChanges']);
    expect(document.summary).toEqual({ records: 2, ok: 2, failing: 0, pending: 0 });
    const record = document.records.find((r) => r.name === 'example.com')!;
    expect(record).toMatchObject({
      provider: 'files',
      zone: 'example.com',
      target: 'lb.target.test',
      state: 'ok',
      published: { A: { ttl: 60, values: ['93.184.216.99'] }, AAAA: null },
      lastChange: { changes: [{ family: 'A', action: 'update', before: { values: ['93.184.216.34'] }, after: { values: ['93.184.216.99'] } }] },
      error: null,
    });
    expect(Date.parse(record.lastSuccess!)).toBeGreaterThan(Date.parse(document.startedAt));
    expect(record.nextCheck === null || Date.parse(record.nextCheck) > 0).toBe(true);
    expect(document.recentChanges.map((c) => `${c.name} ${c.family} ${c.action}`)).toEqual([
      'example.com A update',
      'api.example.com AAAA create',
      'api.example.com A create',
      'example.com A update',
    ]);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as net.AddressInfo;
      server.close(() => resolve(free));
    });
  });
}
