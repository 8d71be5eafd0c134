import { z } from 'zod';
import { verifyBlock } from '../verify-settings.js';
import type { ProviderCapabilities } from '../types.js';
import { secretString } from '../settings-helpers.js';

export const powerdnsSettings = z.strictObject({
  type: z.literal('powerdns'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  /** The PowerDNS webserver, `http://host:8081` (its `webserver-address`/`webserver-port`). */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. http://127.0.0.1:8081' }),
  /** The API key (`api-key` in pdns.conf), usually `${PDNS_API_KEY}`. */
  apiKey: secretString,
  /** The server id in the API path; PowerDNS always calls itself `localhost`. */
  serverId: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._-]+$/, { error: 'letters, digits, dots, hyphens and underscores only' })
    .default('localhost'),
  /** Per-request timeout. A write that times out is reported as "could not confirm". */
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
});
export type PowerdnsSettings = z.infer<typeof powerdnsSettings>;

/**
 * One PATCH carries every change of a zone and PowerDNS applies it in one backend transaction.
 * The API has no conditional write: an edit made between our read and our PATCH is overwritten.
 */
export function capabilitiesOf(_settings: PowerdnsSettings): ProviderCapabilities {
  return { atomicity: 'zone', compareAndSwap: false, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'] };
}
