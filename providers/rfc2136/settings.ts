import { z } from 'zod';
import { secretString } from '../settings-helpers.js';

export const rfc2136Settings = z.strictObject({
  type: z.literal('rfc2136'),
  /** The primary server, `host`, `host:port` or `[v6]:port` (IP literal). Default port 53. */
  server: z.string().min(1),
  tsig: z
    .strictObject({
      name: z.string().min(1),
      algorithm: z.enum(['hmac-sha256', 'hmac-sha512', 'hmac-sha1']).default('hmac-sha256'),
      /** Base64 key material, usually `${TSIG_SECRET}`. */
      secret: secretString,
    })
    .optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(5_000),
});
export type Rfc2136Settings = z.infer<typeof rfc2136Settings>;
