import { z } from 'zod';
import { Secret } from '../lib/secret.js';

/**
 * `notify:` (top level): where a change, a failure and a recovery are announced. Each target is
 * a webhook (`url` + `format`) or an Apprise URL (`apprise`, sent with the `apprise` CLI). Both
 * URLs usually carry a token, so they are kept as Secrets from here on.
 */

export const NOTIFY_EVENTS = ['change', 'failure', 'recovery'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const WEBHOOK_FORMATS = ['json', 'slack', 'discord', 'ntfy'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export type NotifyTarget =
  | { readonly kind: 'webhook'; readonly url: Secret; readonly format: WebhookFormat; readonly events: readonly NotifyEvent[] }
  | { readonly kind: 'apprise'; readonly url: Secret; readonly events: readonly NotifyEvent[] };

const events = z
  .array(z.enum(NOTIFY_EVENTS, { error: `expected one of ${NOTIFY_EVENTS.join(', ')}` }))
  .min(1, { error: 'lists no event' })
  .refine((list) => new Set(list).size === list.length, { error: 'lists an event twice' })
  .default([...NOTIFY_EVENTS]);

/** One target: exactly one of `url` (a webhook, with `format`) and `apprise`. */
const target = z
  .strictObject(
    {
      url: z
        .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
        .transform((url) => new Secret(url))
        .optional(),
      format: z.enum(WEBHOOK_FORMATS, { error: `expected one of ${WEBHOOK_FORMATS.join(', ')}` }).optional(),
      apprise: z
        .string({ error: 'expected an Apprise URL' })
        .regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i, { error: 'expected an Apprise URL such as slack://… or mailto://…' })
        .transform((url) => new Secret(url))
        .optional(),
      events,
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'expected { url, events, format } or { apprise, events }' : undefined) },
  )
  .superRefine((entry, context) => {
    if ((entry.url === undefined) === (entry.apprise === undefined)) context.addIssue({ code: 'custom', message: 'needs exactly one of url and apprise' });
    else if (entry.apprise !== undefined && entry.format !== undefined)
      context.addIssue({ code: 'custom', path: ['format'], message: 'applies to url only (Apprise formats for its own services)' });
  });

export const notifySchema = z.array(target, { error: 'expected a list of notification targets' }).default([]);

/** The file's targets as the rest of the program sees them. */
export function toNotifyTargets(raw: z.infer<typeof notifySchema>): NotifyTarget[] {
  // The schema guarantees exactly one of url and apprise.
  return raw.map((entry) =>
    entry.apprise !== undefined
      ? { kind: 'apprise', url: entry.apprise, events: entry.events }
      : { kind: 'webhook', url: entry.url!, format: entry.format ?? 'json', events: entry.events },
  );
}

/** How logs and metrics name a target: its position, and what of it is no credential. */
export function describeNotifyTarget(target: NotifyTarget, index: number): string {
  const url = target.url.reveal();
  if (target.kind === 'apprise') return `notify[${index}] (apprise ${url.slice(0, url.indexOf('://') + 3)}…)`;
  return `notify[${index}] (${target.format} ${new URL(url).origin})`;
}
