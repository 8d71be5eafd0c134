import cron from 'node-cron';
import { z } from 'zod';
import { providerSettings } from '../../providers/index.js';
import { verifyBlock } from '../../providers/verify-settings.js';
import { isHostname } from '../lib/names.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';
import { Secret } from '../lib/secret.js';
import { duration } from './duration.js';
import { notifySchema } from './notify.js';

/** The YAML file's shape (README.md, Configuration), after `${VAR}` interpolation. Defaults applied in load.ts. */

const hostname = z.string({ error: 'expected a hostname' }).refine(isHostname, { error: 'not a hostname' });
const family = z.enum(['A', 'AAAA'], { error: 'expected A or AAAA' });
const families = z
  .array(family)
  .min(1, { error: 'must name at least one of A, AAAA' })
  .refine((list) => new Set(list).size === list.length, { error: 'lists a family twice' });
const ttlSeconds = z.number({ error: 'expected a number of seconds' }).int({ error: 'expected a whole number of seconds' }).min(1).max(2_147_483_647);
const ttl = z.union(
  [ttlSeconds, z.strictObject({ min: ttlSeconds.default(60), max: ttlSeconds.default(3600) }).refine((range) => range.min <= range.max, { error: 'min is greater than max' })],
  { error: 'expected a number of seconds or { min, max }' },
);

/** A heartbeat URL holds its check's credential (the UUID or push token): kept as a Secret. */
const heartbeatUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).transform((url) => new Secret(url));

/** HTTPS records at the name: off (default), mirror the target's, or alias to it. */
const httpsMode = z.enum(['off', 'mirror', 'alias'], { error: 'expected off, mirror or alias' });

const recordSchema = z.strictObject({
  name: hostname,
  target: hostname,
  provider: z.string().min(1).optional(),
  zone: hostname.optional(),
  families: families.optional(),
  ttl: ttl.optional(),
  maxAddresses: z.number().int().min(1).max(64).optional(),
  allowSpecialAddresses: z.boolean().optional(),
  allowEmpty: z.boolean().optional(),
  https: httpsMode.optional(),
});

export const fileSchema = z.strictObject({
  resolver: z
    .strictObject({
      servers: z.array(z.string()).min(1).optional(),
      timeoutMs: z.number().int().min(50).max(60_000).default(2000),
      attempts: z.number().int().min(1).max(10).default(2),
      ecs: z.string().optional(),
    })
    .default({ timeoutMs: 2000, attempts: 2 }),
  providers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'provider ids use letters, digits, - and _' }), providerSettings, {
    error: 'expected a map of provider id → settings',
  }),
  defaults: z
    .strictObject({
      provider: z.string().min(1).optional(),
      families: families.optional(),
      ttl: ttl.optional(),
      maxAddresses: z.number().int().min(1).max(64).optional(),
      allowSpecialAddresses: z.boolean().optional(),
      allowEmpty: z.boolean().optional(),
      https: httpsMode.optional(),
    })
    .default({}),
  records: z.array(recordSchema, { error: 'expected a list of records' }).min(1, { error: 'lists no record' }),
  schedule: z
    .string()
    .min(1)
    .refine((expression) => cron.validate(expression), { error: 'not a cron expression (e.g. "*/5 * * * *": five fields, or six with seconds first)' })
    .default('*/5 * * * *'),
  // `run` only. server.listen falls back to $APEXSYNC_LISTEN, then 127.0.0.1:9797 (load.ts).
  server: z.strictObject({ listen: z.string().min(1).optional() }).default({}),
  interval: z
    .strictObject({
      min: duration.refine((ms) => ms >= 1000, { error: 'must be at least 1s' }).default(30_000),
      max: duration.refine((ms) => ms >= 1000, { error: 'must be at least 1s' }).default(900_000),
    })
    .refine((interval) => interval.min <= interval.max, { error: 'min is greater than max' })
    .default({ min: 30_000, max: 900_000 }),
  staleAfter: duration.refine((ms) => ms >= 1000, { error: 'must be at least 1s' }).optional(),
  damping: z
    .strictObject({
      holdDown: duration.optional(),
      samples: z.number({ error: 'expected a number of lookups' }).int().min(1).max(10).default(3),
    })
    .default({ samples: 3 }),
  heartbeat: z
    .strictObject({
      url: heartbeatUrl,
      failUrl: heartbeatUrl.optional(),
    })
    .optional(),
  notify: notifySchema,
  logLevel: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).optional(),
  /** Default of every provider's `verify` block. */
  verify: verifyBlock,
});

export type ConfigFile = z.infer<typeof fileSchema>;
