import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * `notify:` end to end: the built CLI (`sync`, then `run`) against a temp zone file and the
 * in-process DNS server, posting to a local HTTP receiver directly (json, slack, discord, ntfy)
 * and through the real `apprise` CLI (its json:// scheme, to the same receiver).
 */

const ZONE = `$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. ( 2024010100 7200 3600 1209600 300 )
    IN NS  ns1.example.com.
@   300 IN A 198.18.0.1
ns1 IN A 192.0.2.53
`;
/** Stands for the credential in each URL: it must never be printed. */
const TOKEN = 'T0KEN-s3cr3t-9f8e7d';

let dns: TestDnsServer;
let receiver: WebhookReceiver;
let dir: string;

beforeAll(async () => {
  dns = await startTestDnsServer();
});
afterAll(async () => {
  await dns.close();
});
beforeEach(async () => {
  receiver = await startWebhookReceiver();
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-notify-'));
  writeFileSync(path.join(dir, 'example.com.zone'), ZONE);
  dns.setBehaviour('lb.target.test', null);
  dns.setAddresses('lb.target.test', 'A', ['93.184.216.34'], 60);
});
afterEach(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(notify: string, extra = ''): void {
  writeFileSync(
    path.join(dir, 'apexsync.yaml'),
    `resolver: { servers: ["${dns.address}"], timeoutMs: 300, attempts: 1 }
providers:
  files: { type: zonefile, file: example.com.zone }
records:
  - { name: example.com, target: lb.target.test, families: [A] }
damping: { samples: 1 }
notify:
${notify}
${extra}`,
  );
}

const sync = (...args: string[]) => runCli(['sync', '-c', 'apexsync.yaml', ...args], { cwd: dir, timeoutMs: 90_000 });

describe('notify: with apexsync sync', () => {
  it('sends one message per target for a change (json, slack, discord, ntfy, apprise json://), none when in sync, one for a failure', async () => {
    const u = receiver.url;
    const apprise = `json://127.0.0.1:${receiver.port}/apprise/${TOKEN}`;
    writeConfig(`  - { url: "${u}/json/${TOKEN}" }
  - { url: "${u}/slack/${TOKEN}", format: slack }
  - { url: "${u}/discord/${TOKEN}", format: discord }
  - { url: "${u}/ntfy/${TOKEN}", format: ntfy }
  - { apprise: "${apprise}" }`);

    const first = await sync();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('✓ applied');
    const paths = ['json', 'slack', 'discord', 'ntfy', 'apprise'].map((kind) => `/${kind}/${TOKEN}`);
    for (const p of paths) expect(receiver.at(p), p).toHaveLength(1);
    expect(receiver.posts).toHaveLength(5);

    const [json] = receiver.at(`/json/${TOKEN}`);
    expect(json!.method).toBe('POST');
    expect(json!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(json!.body) as Record<string, unknown>;
    expect(body).toEqual({
      source: 'apexsync',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      title: 'apexsync: 1 changed',
      summary: { changed: 1, failed: 0, recovered: 0 },
      records: [
        {
          name: 'example.com',
          provider: 'files',
          zone: 'example.com',
          target: 'lb.target.test',
          events: ['change'],
          status: 'updated',
          changes: [{ family: 'A', action: 'update', before: { ttl: 300, values: ['198.18.0.1'] }, after: { ttl: 60, values: ['93.184.216.34'] } }],
          error: null,
        },
      ],
    });
    const line = 'example.com ← lb.target.test: A 198.18.0.1 → 93.184.216.34';
    expect(JSON.parse(receiver.at(`/slack/${TOKEN}`)[0]!.body)).toEqual({ text: `*apexsync: 1 changed*\n${line}` });
    expect(JSON.parse(receiver.at(`/discord/${TOKEN}`)[0]!.body)).toEqual({ content: `**apexsync: 1 changed**\n${line}`, allowed_mentions: { parse: [] } });
    const ntfy = receiver.at(`/ntfy/${TOKEN}`)[0]!;
    expect(ntfy.body).toBe(line);
    expect(ntfy.headers).toMatchObject({ title: 'apexsync: 1 changed', priority: '3', 'content-type': 'text/plain; charset=utf-8' });
    const viaApprise = receiver.at(`/apprise/${TOKEN}`)[0]!;
    expect(viaApprise.headers['user-agent']).toBe('Apprise');
    expect(JSON.parse(viaApprise.body)).toMatchObject({ title: 'apexsync: 1 changed', message: line, type: 'info' });

    // In sync: nothing to say.
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('= unchanged');
    expect(receiver.posts).toHaveLength(5);

    // The target fails: one failure message per target, the exit code is the round's.
    dns.setBehaviour('lb.target.test', 'servfail');
    const third = await sync();
    expect(third.code).toBe(1);
    expect(receiver.posts).toHaveLength(10);
    const failure = JSON.parse(receiver.at(`/json/${TOKEN}`)[1]!.body) as {
      title: string;
      records: { events: string[]; status: string; error: { stage: string; message: string } }[];
    };
    expect(failure.title).toBe('apexsync: 1 failed');
    expect(failure.records).toMatchObject([{ events: ['failure'], status: 'failed', error: { stage: 'resolve', kind: expect.any(String) as unknown } }]);
    expect(failure.records[0]!.error.message).toMatch(/SERVFAIL/);
    expect(JSON.parse(receiver.at(`/apprise/${TOKEN}`)[1]!.body)).toMatchObject({ title: 'apexsync: 1 failed', type: 'failure' });
    expect(receiver.at(`/ntfy/${TOKEN}`)[1]!.headers).toMatchObject({ priority: '4', tags: 'warning' });

    for (const run of [first, second, third]) expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('a dry run notifies nothing; events: filters what a target hears', async () => {
    writeConfig(`  - { url: "${receiver.url}/failures-only/${TOKEN}", events: [failure] }`);
    expect((await sync('--dry-run')).code).toBe(0);
    expect((await sync()).code).toBe(0);
    expect(receiver.posts).toHaveLength(0);
    dns.setBehaviour('lb.target.test', 'servfail');
    expect((await sync()).code).toBe(1);
    expect(receiver.posts.map((post) => post.path)).toEqual([`/failures-only/${TOKEN}`]);
  });

  it('a failing notification is retried a bounded number of times, logged without its URL, and changes neither the write nor the exit code', async () => {
    const closed = await closedPort();
    receiver.failWith(`/flaky/${TOKEN}`, [503, 502]);
    receiver.failWith(`/gone/${TOKEN}`, [404]);
    receiver.failWith(`/down/${TOKEN}`, [500, 500, 500, 500]);
    writeConfig(`  - { url: "${receiver.url}/flaky/${TOKEN}" }
  - { url: "${receiver.url}/gone/${TOKEN}" }
  - { url: "${receiver.url}/down/${TOKEN}" }
  - { url: "http://127.0.0.1:${closed}/refused/${TOKEN}" }
  - { apprise: "json://127.0.0.1:${closed}/apprise/${TOKEN}" }`);
    // At trace level, so that anything a log line could carry is printed.
    const run = await sync('--log-level', 'trace');
    expect(run.code).toBe(0);
    expect(readFileSync(path.join(dir, 'example.com.zone'), 'utf8')).toContain('93.184.216.34');
    // 503, 502, then 200; a 404 is not retried; 500 three times, then given up.
    expect(receiver.at(`/flaky/${TOKEN}`)).toHaveLength(3);
    expect(receiver.at(`/gone/${TOKEN}`)).toHaveLength(1);
    expect(receiver.at(`/down/${TOKEN}`)).toHaveLength(3);
    const failures = run.stderr.split('\n').filter((line) => line.includes('notification failed"'));
    expect(failures).toHaveLength(4);
    expect(run.stderr).toContain(`"notify":"notify[1] (json ${receiver.url})","attempts":1,"error":"HTTP 404"`);
    expect(run.stderr).toContain(`"notify":"notify[2] (json ${receiver.url})","attempts":3,"error":"HTTP 500"`);
    expect(run.stderr).toContain(`"notify":"notify[3] (json http://127.0.0.1:${closed})","attempts":3,"error":"fetch failed (ECONNREFUSED)"`);
    expect(run.stderr).toContain('"notify":"notify[4] (apprise json://…)","attempts":3,"error":"apprise exited 1');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('a notify URL is a secret in config errors too, and a bad entry is a config error (exit 2)', async () => {
    writeConfig(`  - { url: "ftp://127.0.0.1/${TOKEN}" }
  - { url: "${receiver.url}/x", format: teams }
  - { url: "${receiver.url}/x", events: [change, change] }
  - { apprise: "not a url ${TOKEN}" }
  - { url: "${receiver.url}/x", apprise: "json://x" }
  - { apprise: "json://x", format: slack }
  - "${receiver.url}/x"`);
    const run = await sync();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('notify[0].url: expected an http:// or https:// URL');
    expect(run.stderr).toContain('notify[1].format: expected one of json, slack, discord, ntfy');
    expect(run.stderr).toContain('notify[2].events: lists an event twice');
    expect(run.stderr).toMatch(/notify\[3\]\.apprise: expected an Apprise URL/);
    expect(run.stderr).toContain('notify[4]: needs exactly one of url and apprise');
    expect(run.stderr).toContain('notify[5].format: applies to url only');
    expect(run.stderr).toContain('notify[6]: expected { url, events, format } or { apprise, events }');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});

describe('notify: with apexsync run', () => {
  it('announces a failure once (not on every retry) and its recovery once; /metrics counts what was sent', async () => {
    const port = await closedPort();
    writeConfig(
      `  - { url: "${receiver.url}/alerts/${TOKEN}", events: [failure, recovery] }
  - { url: "${receiver.url}/changes/${TOKEN}", events: [change] }`,
      `schedule: "*/5 * * * * *"
interval: { min: 1s, max: 2s }
staleAfter: 30s
server: { listen: "127.0.0.1:${port}" }
logLevel: info
`,
    );
    const daemon = startDaemon();
    try {
      await waitFor(() => receiver.at(`/changes/${TOKEN}`).length === 1, 'the change message');
      expect(receiver.at(`/alerts/${TOKEN}`)).toHaveLength(0);

      dns.setBehaviour('lb.target.test', 'servfail');
      await waitFor(() => receiver.at(`/alerts/${TOKEN}`).length === 1, 'the failure message');
      // Several more failed rounds (retries and scheduled reconciles) say nothing new.
      const failedRounds = async (): Promise<number> => Number(/apexsync_rounds_total\{kind="\w+",result="failed"\} (\d+)/.exec(await metrics(port))?.[1] ?? 0);
      const before = await failedRounds();
      await waitFor(async () => (await failedRounds()) >= before + 3, 'three more failed rounds', 30_000);
      expect(receiver.at(`/alerts/${TOKEN}`)).toHaveLength(1);

      dns.setBehaviour('lb.target.test', null);
      await waitFor(() => receiver.at(`/alerts/${TOKEN}`).length === 2, 'the recovery message', 30_000);
      const recovery = JSON.parse(receiver.at(`/alerts/${TOKEN}`)[1]!.body) as { title: string; records: { events: string[]; status: string }[] };
      expect(recovery.title).toBe('apexsync: 1 recovered');
      expect(recovery.records).toMatchObject([{ events: ['recovery'], status: 'in-sync' }]);
      expect(receiver.at(`/changes/${TOKEN}`)).toHaveLength(1);

      const text = await metrics(port);
      expect(text).toContain(`apexsync_notifications_total{target="notify[0] (json ${receiver.url})",result="sent"} 2`);
      expect(text).toContain(`apexsync_notifications_total{target="notify[1] (json ${receiver.url})",result="sent"} 1`);
      expect(text).not.toContain(TOKEN);
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((resolve) => daemon.once('close', resolve));
    }
    expect(daemonOutput).not.toContain(TOKEN);
  });
});

let daemonOutput = '';
function startDaemon(): ChildProcess {
  daemonOutput = '';
  const child = spawn(process.execPath, [CLI, 'run', '-c', 'apexsync.yaml'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (daemonOutput += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (daemonOutput += chunk.toString()));
  return child;
}

async function metrics(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return await response.text();
  } catch {
    return '';
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
