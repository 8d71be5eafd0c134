import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventMemory } from '../../src/notify/events.js';
import { webhookPayload } from '../../src/notify/message.js';
import { Notifier, type NotifyResult } from '../../src/notify/notifier.js';
import { Secret } from '../../src/lib/secret.js';
import type { RecordReport, RoundReport } from '../../src/sync/report.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const silent = pino({ level: 'silent' });

function record(name: string, status: RecordReport['status'], error: string | null = null): RecordReport {
  return {
    name,
    provider: 'files',
    zone: 'example.com',
    target: 'lb.target.test',
    status,
    changes: status === 'updated' ? [{ action: 'create', name, family: 'AAAA', before: null, after: { ttl: 60, values: ['2001:db8::1'] } }] : [],
    decisions: [],
    outcome: null,
    error: error === null ? null : { stage: 'resolve', kind: 'servfail', message: error, maybeApplied: false },
    hints: [],
  };
}
const round = (...records: RecordReport[]): RoundReport => ({ dryRun: false, records });

describe('EventMemory', () => {
  it('a failure is an event when it starts, a recovery when it ends, a change whenever something was written', () => {
    const memory = new EventMemory();
    const kinds = (report: RoundReport): string[] => memory.events(report).map((e) => `${e.record.name}:${[...e.events].join('+')}`);
    expect(kinds(round(record('a.example.com', 'updated'), record('b.example.com', 'in-sync')))).toEqual(['a.example.com:change']);
    expect(kinds(round(record('a.example.com', 'failed', 'SERVFAIL'), record('b.example.com', 'failed', 'x')))).toEqual(['a.example.com:failure', 'b.example.com:failure']);
    expect(kinds(round(record('a.example.com', 'failed', 'timeout')))).toEqual([]);
    expect(kinds(round(record('a.example.com', 'updated'), record('b.example.com', 'in-sync')))).toEqual(['a.example.com:recovery+change', 'b.example.com:recovery']);
    expect(kinds(round(record('a.example.com', 'in-sync')))).toEqual([]);
    expect(kinds({ dryRun: true, records: [record('a.example.com', 'failed', 'x')] })).toEqual([]);
  });
});

describe('webhook payloads', () => {
  const events = [{ record: record('a.example.com', 'failed', 'answer <!channel> & <https://evil.example|click> @everyone'), events: new Set(['failure'] as const) }];
  it('Slack: markup in names and messages is escaped', () => {
    const body = JSON.parse(webhookPayload('slack', events, new Date(0)).body) as { text: string };
    expect(body.text).toBe('*apexsync: 1 failed*\na.example.com ← lb.target.test: failed at resolve: answer &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; @everyone');
  });
  it('Discord: no mention is ever parsed, and the content fits its 2000 characters', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ record: record(`host-${i}.example.com`, 'updated'), events: new Set(['change'] as const) }));
    const body = JSON.parse(webhookPayload('discord', many, new Date(0)).body) as { content: string; allowed_mentions: unknown };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(body.content.startsWith('**apexsync: 60 changed**\nhost-0.example.com ← lb.target.test: AAAA (none) → 2001:db8::1\n')).toBe(true);
  });
  it('json: more than 50 records are all in `records`; the text forms count the rest', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ record: record(`host-${i}.example.com`, 'updated'), events: new Set(['change'] as const) }));
    expect((JSON.parse(webhookPayload('json', many, new Date(0)).body) as { records: unknown[] }).records).toHaveLength(60);
    expect(webhookPayload('ntfy', many, new Date(0)).body.split('\n').at(-1)).toBe('… and 10 more');
  });
});

describe('Notifier', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('groups a round into one message per target and never rejects', async () => {
    const results: NotifyResult[] = [];
    const notifier = new Notifier([{ kind: 'webhook', url: new Secret(`${receiver.url}/hook`), format: 'json', events: ['change'] }], {
      logger: silent,
      onResult: (_target, result) => results.push(result),
    });
    await notifier.notify(round(record('a.example.com', 'updated'), record('b.example.com', 'updated'), record('c.example.com', 'in-sync')));
    expect(receiver.posts).toHaveLength(1);
    expect((JSON.parse(receiver.posts[0]!.body) as { records: { name: string }[] }).records.map((r) => r.name)).toEqual(['a.example.com', 'b.example.com']);
    expect(results).toEqual(['sent']);
  });

  it('credentials in a webhook URL go in an Authorization header, never in the request line', async () => {
    const notifier = new Notifier([{ kind: 'webhook', url: new Secret(`http://alerts:t%40ken@127.0.0.1:${receiver.port}/topic`), format: 'ntfy', events: ['change'] }], {
      logger: silent,
    });
    await notifier.notify(round(record('a.example.com', 'updated')));
    expect(receiver.posts).toHaveLength(1);
    expect(receiver.posts[0]!.path).toBe('/topic');
    expect(receiver.posts[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alerts:t@ken').toString('base64')}`);
  });

  it('drops messages beyond 4 pending to a target that keeps failing, instead of piling them up', async () => {
    receiver.failWith(
      '/down',
      Array.from({ length: 100 }, () => 503),
    );
    const results: NotifyResult[] = [];
    const notifier = new Notifier([{ kind: 'webhook', url: new Secret(`${receiver.url}/down`), format: 'json', events: ['change'] }], {
      logger: silent,
      retryDelaysMs: [200, 200],
      onResult: (_target, result) => results.push(result),
    });
    const sends = Array.from({ length: 6 }, () => notifier.notify(round(record('a.example.com', 'updated'))));
    await Promise.all(sends);
    await notifier.idle();
    expect(results.filter((r) => r === 'dropped')).toHaveLength(2);
    expect(results.filter((r) => r === 'error')).toHaveLength(4);
    // 4 messages × 3 attempts each.
    expect(receiver.at('/down')).toHaveLength(12);
  });
});
