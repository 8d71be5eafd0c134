import { z } from 'zod';
import { parseServerAddress } from '../../src/dns/server-address.js';
import type { ProviderCapabilities } from '../types.js';
import { verifyBlock } from '../verify-settings.js';
import { isHostname } from '../../src/lib/names.js';
import { Secret } from '../../src/lib/secret.js';

/** Base64 as tsig-keygen, knotc and pdnsutil print it (whitespace tolerated). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** The TSIG secret: checked for shape (the message never echoes it), then kept as a Secret. */
const tsigSecret = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'must not be empty' })
  .refine((value) => BASE64.test(value.replace(/\s+/g, '')), { error: 'must be base64, as tsig-keygen prints it' })
  .transform((value) => new Secret(value.replace(/\s+/g, '')));

export const rfc2136Settings = z.strictObject({
  type: z.literal('rfc2136'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  /** The primary server, `host`, `host:port` or `[v6]:port` (IP literal). Default port 53. */
  server: z
    .string()
    .min(1)
    .refine((value) => parseServerAddress(value) !== undefined, {
      error: 'expected an IP address with an optional port (10.0.0.53, 10.0.0.53:53, [2001:db8::53]:53)',
    }),
  tsig: z
    .strictObject({
      /** The key's name as in the server's `key` statement. */
      name: z.string().min(1).refine(isHostname, { error: 'not a valid key name (letters, digits, hyphens, dots)' }),
      algorithm: z.enum(['hmac-sha256', 'hmac-sha512', 'hmac-sha1']).default('hmac-sha256'),
      /** Base64 key material, usually `${TSIG_SECRET}`. */
      secret: tsigSecret,
    })
    .optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(5_000),
});
export type Rfc2136Settings = z.infer<typeof rfc2136Settings>;

/**
 * Each UPDATE message is all or nothing with prerequisites on what was read; a zone's changes
 * share one message unless they exceed its 64 KB limit, when they are split between names.
 */
export function capabilitiesOf(_settings: Rfc2136Settings): ProviderCapabilities {
  return { atomicity: 'name', compareAndSwap: true, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'] };
}
