import { z } from 'zod';
import { verifyBlock } from '../verify-settings.js';
import { isHostname, normalizeName } from '../../src/lib/names.js';
import { Secret } from '../../src/lib/secret.js';
import type { ProviderCapabilities } from '../types.js';

/**
 * Options that only say where things are, never who may do what: printed as they are. Every
 * other option value is a Secret (prints as [redacted]), whatever lexicon provider it is for.
 */
export const HARMLESS_OPTIONS: ReadonlySet<string> = new Set(['pdns_server', 'pdns_server_id', 'pdns_disable_notify', 'filename']);

const optionValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });

export const lexiconSettings = z.strictObject({
  type: z.literal('lexicon'),
  /** Which servers must serve what was written (see docs/design/verification.md). */
  verify: verifyBlock,
  /** A lexicon provider name (`lexicon --help` lists them): godaddy, ovh, gandi, powerdns… */
  provider: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'a lexicon provider name in lower case, e.g. godaddy' }),
  /** lexicon's options for that provider, without the `--` and with underscores: auth_token… */
  options: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'option names are lower case with underscores, e.g. auth_token' }), optionValue)
    .default({})
    .transform((options) => new Map(Object.entries(options).map(([name, value]) => [name, HARMLESS_OPTIONS.has(name) ? String(value) : new Secret(String(value))] as const))),
  /** The Python that has lexicon, or the `lexicon` executable (its interpreter is used). */
  command: z.string().min(1).default('/usr/bin/python3'),
  /** The zones this account holds; without it a zone is found by asking lexicon, deepest name first. */
  zones: z
    .array(z.string().refine(isHostname, { error: 'not a zone name' }).transform(normalizeName))
    .min(1)
    .optional(),
  /** Per request to the helper (a lexicon call may make several HTTP requests). */
  timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
});
export type LexiconSettings = z.infer<typeof lexiconSettings>;

/**
 * Lexicon offers neither transactions nor conditional writes: each record is its own call.
 * apexsync orders them so a name never goes empty, re-reads, and says what was written.
 */
export function capabilitiesOf(_settings: LexiconSettings): ProviderCapabilities {
  // Each address is its own lexicon call: a record set can be left part-written ('none').
  // TTL limits differ per DNS host and lexicon does not say them; the re-read after writing does.
  return { atomicity: 'none', compareAndSwap: false, ttl: { min: 1, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA'] };
}
