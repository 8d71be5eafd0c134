import { z } from 'zod';
import type { ProviderCapabilities } from '../types.js';
import { verifyBlock } from '../verify-settings.js';

export const zonefileSettings = z.strictObject({
  type: z.literal('zonefile'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  /** Path of the RFC 1035 master file (relative paths are taken from the config file's folder). */
  file: z.string().min(1),
  /** Zone origin when the file has no $ORIGIN line; else taken from the file. */
  origin: z.string().min(1).optional(),
  /** Run after a successful write, without a shell, e.g. ["rndc", "reload", "example.com"]. */
  reloadCommand: z.array(z.string().min(1)).min(1).optional(),
  /** How long the reload command may run before it is killed (default 30 s; a failed reload never undoes the write). */
  reloadTimeoutMs: z.number().int().min(100).max(600_000).optional(),
});
export type ZonefileSettings = z.infer<typeof zonefileSettings>;

/** One rename replaces the whole file (all or nothing); the write re-checks the file against what was read. */
export function capabilitiesOf(_settings: ZonefileSettings): ProviderCapabilities {
  return { atomicity: 'zone', compareAndSwap: true, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'] };
}
