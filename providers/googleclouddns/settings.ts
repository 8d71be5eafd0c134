import { z } from 'zod';
import { verifyBlock } from '../verify-settings.js';
import type { ProviderCapabilities } from '../types.js';

export const googleCloudDnsSettings = z.strictObject({
  type: z.literal('googleclouddns'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  /** The Google Cloud project that owns the managed zones. */
  project: z.string().min(1),
  /** The managed zone's name (not its DNS name): skips zone discovery. */
  managedZone: z.string().min(1).optional(),
  /** Path of a service-account key (JSON); otherwise Application Default Credentials. */
  credentialsFile: z.string().min(1).optional(),
  /** Also consider private managed zones when discovering the zone. */
  privateZones: z.boolean().default(false),
  /** API endpoint override (tests, private service connect), e.g. https://dns.p.googleapis.com */
  endpoint: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }).optional(),
});
export type GoogleCloudDnsSettings = z.infer<typeof googleCloudDnsSettings>;

/**
 * One `changes.create` carries every change of a zone and Cloud DNS applies it all or nothing;
 * its deletions must match the records exactly, which makes every write conditional on the read.
 */
const CAPABILITIES: ProviderCapabilities = {
  atomicity: 'zone',
  compareAndSwap: true,
  ttl: { min: 0, max: 2_147_483_647 },
  recordTypes: ['A', 'AAAA', 'HTTPS'],
};

export function capabilitiesOf(_settings: GoogleCloudDnsSettings): ProviderCapabilities {
  return CAPABILITIES;
}
