import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import ipaddr from 'ipaddr.js';
import type { z } from 'zod';
import { describeFsError } from '../lib/errors.js';
import { ConfigError, formatPath } from './errors.js';
import { interpolate } from './interpolate.js';
import { toNotifyTargets } from './notify.js';
import { parseConfigYaml } from './parse-yaml.js';
import { fileSchema, type ConfigFile } from './schema.js';
import type { Config, ListenAddress, RecordConfig, TtlPolicy } from './types.js';
import { providerVerify } from './verify.js';
import { normalizeName } from '../lib/names.js';
import { parseServerAddress, type ServerAddress } from '../dns/server-address.js';
import type { ClientSubnet } from '../resolve/types.js';
import type { ProviderSettings } from '../../providers/index.js';
import { capabilitiesOf, PROVIDER_TYPES } from '../../providers/index.js';
import { ttlForProvider, unsupportedFamilies, type TtlSource } from './capabilities.js';
import type { LogLevel } from '../log.js';
import { LOG_LEVELS } from '../log.js';

export interface LoadOptions {
  /** `--config FILE`; else $APEXSYNC_CONFIG; else ./apexsync.yaml. */
  readonly file?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the default resolver servers come from. */
  readonly resolvConf?: string;
}

/** The process environment with `.env` from the working directory underneath it (real variables win). */
export function environment(cwd: string, env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = dotenv.parse(readBounded(path.join(cwd, '.env'), MAX_CONFIG_BYTES));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (!isMissingFile(error)) throw new ConfigError([`.env: cannot read (${describeFsError(error)})`]);
  }
  return { ...fromFile, ...env };
}

/** Reads, interpolates and validates the config. Throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = environment(cwd, options.env ?? process.env);
  const file = path.resolve(cwd, options.file ?? env.APEXSYNC_CONFIG ?? 'apexsync.yaml');

  let text: string;
  try {
    text = readBounded(file, MAX_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([`${file}: cannot read config file (${describeFsError(error)})`]);
  }

  const document = parseConfigYaml(file, text);
  const problems: string[] = [];
  const interpolated = interpolate(document, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const parsed = fileSchema.safeParse(interpolated);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describeIssue));

  const config = buildConfig(file, parsed.data, env, options.resolvConf ?? '/etc/resolv.conf', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config!;
}

/**
 * The largest config file read. The YAML parser's syntax tree is ~50 times the text, so an
 * unbounded file ran the process out of memory instead of failing cleanly; 10 000 records take
 * about 1 MB.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The file as UTF-8, refused (ConfigError) past `limit` bytes; reads at most limit + 1 (a device or FIFO never ends). */
function readBounded(file: string, limit: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(limit + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > limit) throw new ConfigError([`${file}: the config file is larger than ${limit / (1024 * 1024)} MiB; apexsync reads at most that much`]);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_key':
      // A map key that breaks its rule: say the rule, not the map's generic message.
      return `${where}: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_union':
      if (issue.path.at(-1) === 'type' || 'note' in issue)
        return `${formatPath(issue.path.at(-1) === 'type' ? issue.path : [...issue.path, 'type'])}: unknown provider type; expected one of ${PROVIDER_TYPES.join(', ')}`;
      return `${where}: ${issue.message}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

function buildConfig(file: string, raw: ConfigFile, env: Record<string, string | undefined>, resolvConf: string, problems: string[]): Config | undefined {
  // No prototype: a provider id or reference such as `constructor` or `__proto__` is only ever an own key.
  const providers: Record<string, ProviderSettings> = Object.create(null) as Record<string, ProviderSettings>;
  for (const [id, settings] of Object.entries(raw.providers)) {
    // Relative paths in provider settings are taken from the config file's folder.
    const fromConfig = (relative: string): string => path.resolve(path.dirname(file), relative);
    if (settings.type === 'zonefile') providers[id] = { ...settings, file: fromConfig(settings.file) };
    else if (settings.type === 'googleclouddns' && settings.credentialsFile !== undefined) providers[id] = { ...settings, credentialsFile: fromConfig(settings.credentialsFile) };
    else providers[id] = settings;
  }
  const providerIds = Object.keys(providers);
  if (providerIds.length === 0) problems.push('providers: defines no provider');
  if (raw.defaults.provider !== undefined && !Object.hasOwn(providers, raw.defaults.provider))
    problems.push(`defaults.provider: no provider '${raw.defaults.provider}' under providers`);

  const defaultTtl: TtlPolicy = toTtlPolicy(raw.defaults.ttl) ?? { kind: 'range', min: 60, max: 3600 };
  const defaultTtlSource: TtlSource = raw.defaults.ttl === undefined ? 'built-in' : 'defaults';
  const records: RecordConfig[] = [];
  const seen = new Map<string, number>();
  raw.records.forEach((r, index) => {
    const at = `records[${index}]`;
    const providerId = r.provider ?? raw.defaults.provider ?? (providerIds.length === 1 ? providerIds[0] : undefined);
    if (providerId === undefined) {
      problems.push(`${at}.provider: not set, and there is no defaults.provider (providers: ${providerIds.join(', ')})`);
      return;
    }
    if (!Object.hasOwn(providers, providerId)) {
      problems.push(`${at}.provider: no provider '${providerId}' under providers`);
      return;
    }
    const name = normalizeName(r.name);
    const target = normalizeName(r.target);
    if (name === target) problems.push(`${at}.target: is the managed name itself`);
    const zone = r.zone === undefined ? undefined : normalizeName(r.zone);
    if (zone !== undefined && name !== zone && !name.endsWith(`.${zone}`)) problems.push(`${at}.zone: ${name} is not inside zone ${zone}`);
    const key = `${providerId}/${name}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${at}.name: ${name} is already managed by records[${first}] with provider ${providerId}`);
    else seen.set(key, index);
    const capabilities = capabilitiesOf(providers[providerId]!);
    const families = r.families ?? raw.defaults.families ?? ['A', 'AAAA'];
    const familyProblem = unsupportedFamilies(families, capabilities, `${at}.families`, providerId);
    if (familyProblem !== undefined) problems.push(familyProblem);
    const https = r.https ?? raw.defaults.https ?? 'off';
    if (https !== 'off' && !capabilities.recordTypes.includes('HTTPS')) {
      problems.push(`${r.https !== undefined ? `${at}.https` : 'defaults.https'}: provider ${providerId} cannot write HTTPS records`);
    }
    const ttlSource: TtlSource = r.ttl === undefined ? defaultTtlSource : 'record';
    const ttl = ttlForProvider(toTtlPolicy(r.ttl) ?? defaultTtl, ttlSource, capabilities, ttlSource === 'defaults' ? 'defaults.ttl' : `${at}.ttl`, providerId);
    if (typeof ttl === 'string') {
      problems.push(ttl);
      return;
    }
    records.push({
      name,
      target,
      provider: providerId,
      ...(zone !== undefined ? { zone } : {}),
      families,
      ttl,
      maxAddresses: r.maxAddresses ?? raw.defaults.maxAddresses ?? 8,
      allowSpecialAddresses: r.allowSpecialAddresses ?? raw.defaults.allowSpecialAddresses ?? false,
      allowEmpty: r.allowEmpty ?? raw.defaults.allowEmpty ?? false,
      https,
    });
  });

  const servers = resolverServers(raw.resolver.servers, resolvConf, problems);
  const ecs = raw.resolver.ecs === undefined ? undefined : clientSubnet(raw.resolver.ecs, problems);
  const listen = listenAddress(raw.server.listen, env.APEXSYNC_LISTEN, problems);
  const logLevel = raw.logLevel ?? logLevelFromEnv(env, problems);

  if (problems.length > 0) return undefined;
  return {
    file,
    resolver: { servers, timeoutMs: raw.resolver.timeoutMs, attempts: raw.resolver.attempts, ...(ecs ? { ecs } : {}) },
    providers,
    verify: Object.fromEntries(Object.entries(providers).map(([id, settings]) => [id, providerVerify(settings, raw.verify)])),
    records,
    schedule: raw.schedule,
    server: { listen: listen! },
    interval: { minMs: raw.interval.min, maxMs: raw.interval.max },
    staleAfterMs: raw.staleAfter ?? 3 * raw.interval.max,
    damping: { holdDownMs: raw.damping.holdDown, samples: raw.damping.samples },
    heartbeat: raw.heartbeat === undefined ? undefined : { url: raw.heartbeat.url, failUrl: raw.heartbeat.failUrl },
    notify: toNotifyTargets(raw.notify),
    logLevel,
  };
}

function toTtlPolicy(ttl: ConfigFile['defaults']['ttl']): TtlPolicy | undefined {
  if (ttl === undefined) return undefined;
  return typeof ttl === 'number' ? { kind: 'fixed', ttl } : { kind: 'range', min: ttl.min, max: ttl.max };
}

function resolverServers(configured: readonly string[] | undefined, resolvConf: string, problems: string[]): ServerAddress[] {
  if (configured !== undefined) {
    const servers: ServerAddress[] = [];
    configured.forEach((text, i) => {
      const server = parseServerAddress(text);
      if (server) servers.push(server);
      else problems.push(`resolver.servers[${i}]: not an address (expected IP, IP:port or [IPv6]:port)`);
    });
    return servers;
  }
  const fromSystem = readSystemNameservers(resolvConf);
  if (fromSystem.length === 0) problems.push(`resolver.servers: not set, and ${resolvConf} names no nameserver`);
  return fromSystem;
}

/** The `nameserver` lines of resolv.conf. */
export function readSystemNameservers(file: string): ServerAddress[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const servers: ServerAddress[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const server = m ? parseServerAddress(m[1]!.replace(/%.*$/, '')) : undefined;
    if (server) servers.push(server);
  }
  return servers;
}

function clientSubnet(text: string, problems: string[]): ClientSubnet | undefined {
  try {
    const [address, prefix] = ipaddr.parseCIDR(text);
    const family = address.kind() === 'ipv4' ? 1 : 2;
    if ((family === 1 && prefix > 24) || (family === 2 && prefix > 56))
      problems.push(`resolver.ecs: prefix /${prefix} is longer than resolvers accept (at most /24 for IPv4, /56 for IPv6)`);
    return { family, address: address.toString(), sourcePrefixLength: prefix };
  } catch {
    problems.push('resolver.ecs: not a CIDR prefix (e.g. 198.51.100.0/24)');
    return undefined;
  }
}

/** server.listen from the file, else $APEXSYNC_LISTEN (the container sets 0.0.0.0:9797), else loopback. */
function listenAddress(fromFile: string | undefined, fromEnv: string | undefined, problems: string[]): ListenAddress | undefined {
  const useEnv = fromFile === undefined && fromEnv !== undefined && fromEnv !== '';
  const server = parseServerAddress(fromFile ?? (useEnv ? fromEnv : '127.0.0.1:9797'), 9797);
  if (!server) problems.push(`${useEnv ? 'APEXSYNC_LISTEN' : 'server.listen'}: expected IP:port (e.g. 127.0.0.1:9797 or [::]:9797)`);
  return server;
}

function logLevelFromEnv(env: Record<string, string | undefined>, problems: string[]): LogLevel | undefined {
  const level = env.APEXSYNC_LOG_LEVEL;
  if (level === undefined || level === '') return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  problems.push(`APEXSYNC_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}`);
  return undefined;
}

function isMissingFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}
