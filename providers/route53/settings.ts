import { z } from 'zod';
import type { ProviderCapabilities } from '../types.js';
import { verifyBlock } from '../verify-settings.js';

export const route53Settings = z.strictObject({
  type: z.literal('route53'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  region: z.string().min(1).optional(),
  /** API endpoint override, for tests and API-compatible services. */
  endpoint: z.url().optional(),
  /** Shared-config profile; otherwise the standard AWS credential chain. */
  profile: z.string().min(1).optional(),
  hostedZoneId: z.string().min(1).optional(),
  /** Consider private hosted zones when discovering the zone. */
  privateZones: z.boolean().default(false),
  /** After a change, poll GetChange until INSYNC (bounded). */
  waitForSync: z.boolean().default(false),
});
export type Route53Settings = z.infer<typeof route53Settings>;

/**
 * A ChangeResourceRecordSets batch is all or nothing and deletes exactly what was read; a zone's
 * changes share one batch unless they exceed its limits, when they are split between names.
 */
export function capabilitiesOf(_settings: Route53Settings): ProviderCapabilities {
  return { atomicity: 'name', compareAndSwap: true, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'], maxBatch: 1000 };
}
