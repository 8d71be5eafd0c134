import type { NotifyEvent, WebhookFormat } from '../config/notify.js';
import type { Change, RecordSet } from '../model.js';
import type { RecordEvent } from './events.js';

/** At most this many records are spelled out in one message; the rest are counted. */
const MAX_RECORDS = 50;
/** Discord refuses longer messages. */
const DISCORD_MAX = 2000;

/** What one target receives: a body, its content type and any extra headers. */
export interface Payload {
  readonly body: string;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The words of a message: a title and one line per record. */
export interface MessageText {
  readonly title: string;
  readonly lines: readonly string[];
  /** Apprise's notification type. */
  readonly severity: 'failure' | 'success' | 'info';
}

export function messageText(events: readonly RecordEvent[]): MessageText {
  const count = (event: NotifyEvent): number => events.filter((e) => e.events.has(event)).length;
  const parts = [
    [count('change'), 'changed'],
    [count('failure'), 'failed'],
    [count('recovery'), 'recovered'],
  ] as const;
  const title = `apexsync: ${parts
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`)
    .join(', ')}`;
  const lines = events.slice(0, MAX_RECORDS).map(describeEvent);
  if (events.length > MAX_RECORDS) lines.push(`… and ${events.length - MAX_RECORDS} more`);
  const severity = count('failure') > 0 ? 'failure' : count('change') === 0 ? 'success' : 'info';
  return { title, lines, severity };
}

function describeEvent({ record, events }: RecordEvent): string {
  const head = `${record.name} ← ${record.target}`;
  if (events.has('failure')) return `${head}: failed at ${record.error?.stage ?? 'round'}: ${record.error?.message ?? 'unknown error'}`;
  const changes = record.changes.map(describeChange).join('; ');
  const recovered = events.has('recovery') ? 'recovered' : '';
  return `${head}: ${[changes, recovered].filter((part) => part !== '').join('; ')}`;
}

function describeChange(change: Change): string {
  const values = (set: RecordSet | null): string => (set === null ? '(none)' : set.values.join(', '));
  return `${change.family} ${values(change.before)} → ${values(change.after)}`;
}

/** The body a webhook of `format` expects. */
export function webhookPayload(format: WebhookFormat, events: readonly RecordEvent[], now: Date): Payload {
  const text = messageText(events);
  switch (format) {
    case 'json':
      return { body: JSON.stringify(jsonMessage(events, text, now)), contentType: 'application/json', headers: {} };
    case 'slack':
      // Slack reads &, < and > as markup (links, mentions): escaped as its docs ask.
      return { body: JSON.stringify({ text: slackEscape([`*${text.title}*`, ...text.lines].join('\n')) }), contentType: 'application/json', headers: {} };
    case 'discord': {
      let content = [`**${text.title}**`, ...text.lines].join('\n');
      if (content.length > DISCORD_MAX) content = `${content.slice(0, DISCORD_MAX - 1)}…`;
      // No @everyone or role pings, whatever a name or an error message holds.
      return { body: JSON.stringify({ content, allowed_mentions: { parse: [] } }), contentType: 'application/json', headers: {} };
    }
    case 'ntfy':
      return {
        body: text.lines.join('\n'),
        contentType: 'text/plain; charset=utf-8',
        headers: { Title: text.title, Tags: text.severity === 'failure' ? 'warning' : 'arrows_counterclockwise', Priority: text.severity === 'failure' ? '4' : '3' },
      };
  }
}

/** The `json` format: everything a receiver needs to act on, documented in docs/running.md. */
function jsonMessage(events: readonly RecordEvent[], text: MessageText, now: Date): unknown {
  return {
    source: 'apexsync',
    time: now.toISOString(),
    title: text.title,
    summary: {
      changed: events.filter((e) => e.events.has('change')).length,
      failed: events.filter((e) => e.events.has('failure')).length,
      recovered: events.filter((e) => e.events.has('recovery')).length,
    },
    records: events.map(({ record, events: kinds }) => ({
      name: record.name,
      provider: record.provider,
      zone: record.zone,
      target: record.target,
      events: [...kinds],
      status: record.status,
      changes: record.changes.map((change) => ({ family: change.family, action: change.action, before: change.before, after: change.after })),
      error: record.error === null ? null : { stage: record.error.stage, kind: record.error.kind, message: record.error.message },
    })),
  };
}

function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
