import { z } from 'zod';
import type { ProviderCapabilities } from '../types.js';
import { verifyBlock } from '../verify-settings.js';
import { secretString } from '../settings-helpers.js';

export const cloudflareSettings = z.strictObject({
  type: z.literal('cloudflare'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  /** API token with Zone → DNS → Edit on the zones, usually `${CLOUDFLARE_API_TOKEN}`. */
  apiToken: secretString,
  /** API base URL override (tests), e.g. http://127.0.0.1:8787/client/v4 */
  baseUrl: z.url().optional(),
  /** The zone's id: skips the lookup by name (which needs Zone → Zone → Read). */
  zoneId: z.string().min(1).optional(),
  /** Operations per batch request: 200 on Free, up to 3500 on paid plans. */
  batchSize: z.number().int().min(1).max(3500).default(200),
  /** Per-request timeout. A write that times out is reported as "could not confirm". */
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
});
export type CloudflareSettings = z.infer<typeof cloudflareSettings>;

/**
 * The batch endpoint is all or nothing per request, but a zone's changes are split into batches of
 * `batchSize`, and an account without the endpoint gets one call per record: nothing stronger than
 * per-record writes can be promised, and no write is conditional on what was read. TTL 1 means
 * "automatic"; otherwise 60–86400 (the lower bound of most plans).
 */
export function capabilitiesOf(settings: CloudflareSettings): ProviderCapabilities {
  return { atomicity: 'none', compareAndSwap: false, ttl: { min: 60, max: 86_400, automatic: 1 }, recordTypes: ['A', 'AAAA', 'HTTPS'], maxBatch: settings.batchSize };
}
