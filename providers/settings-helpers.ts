import { z } from 'zod';
import { Secret } from '../src/lib/secret.js';

/** A non-empty string that becomes a `Secret` (prints as [redacted]). */
export const secretString = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'must not be empty' })
  .transform((value) => new Secret(value));
