import { z } from 'zod';

export const zonefileSettings = z.strictObject({
  type: z.literal('zonefile'),
  /** Path of the RFC 1035 master file (relative paths are taken from the config file's folder). */
  file: z.string().min(1),
  /** Zone origin when the file has no $ORIGIN line; else taken from the file. */
  origin: z.string().min(1).optional(),
  /** Run after a successful write, without a shell, e.g. ["rndc", "reload", "example.com"]. */
  reloadCommand: z.array(z.string().min(1)).min(1).optional(),
});
export type ZonefileSettings = z.infer<typeof zonefileSettings>;
