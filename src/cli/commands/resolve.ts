import { loadConfig, readSystemNameservers } from '../../config/index.js';
import { FAMILIES, type Family } from '../../model.js';
import { isHostname, normalizeName } from '../../lib/names.js';
import { createResolver } from '../../resolve/index.js';
import { formatServerAddress, parseServerAddress, type ServerAddress } from '../../dns/server-address.js';
import type { FamilyResolution, HttpsResolution, ResolverSettings } from '../../resolve/types.js';
import { formatSvcbPresentation } from '../../dns/svcb.js';
import { planHttps } from '../../plan/https.js';
import { EXIT, print, UsageError } from '../output.js';

export interface ResolveOptions {
  readonly server: readonly string[];
  readonly config?: string;
  readonly output: 'text' | 'json';
}

/** `apexsync resolve HOST`: the chain, TTLs and result class of each family, as the planner sees them. */
export async function resolveCommand(host: string, options: ResolveOptions): Promise<number> {
  if (!isHostname(host)) throw new UsageError(`${host}: not a hostname`);
  const target = normalizeName(host);
  const settings = resolverSettings(options);
  const resolver = createResolver(settings);
  const [results, https] = await Promise.all([Promise.all(FAMILIES.map((family) => resolver.resolve(target, family))), resolver.resolveHttps(target)]);
  const mirrored = mirroredHttps(target, results, https);
  if (options.output === 'json') {
    const httpsJson = { ...https, ...(https.kind === 'records' ? { records: https.records.map(formatSvcbPresentation) } : {}), mirrored };
    print(`${JSON.stringify({ target, servers: settings.servers.map(formatServerAddress), families: results, https: httpsJson }, null, 2)}\n`);
  } else {
    const lines = [`${target}  (via ${settings.servers.map(formatServerAddress).join(', ')})`];
    for (const r of results) lines.push(...describe(r));
    lines.push(...describeHttps(https, mirrored));
    print(`${lines.join('\n')}\n`);
  }
  return results.some((r) => r.kind === 'failure') ? EXIT.failed : EXIT.ok;
}

function resolverSettings(options: ResolveOptions): ResolverSettings {
  if (options.server.length > 0) {
    const servers: ServerAddress[] = options.server.map((text) => {
      const server = parseServerAddress(text);
      if (!server) throw new UsageError(`--server ${text}: not an address (expected IP, IP:port or [IPv6]:port)`);
      return server;
    });
    return { servers, timeoutMs: 2000, attempts: 2 };
  }
  if (options.config !== undefined) return loadConfig({ file: options.config }).resolver;
  const servers = readSystemNameservers('/etc/resolv.conf');
  if (servers.length === 0) throw new UsageError('no --server given and /etc/resolv.conf names no nameserver');
  return { servers, timeoutMs: 2000, attempts: 2 };
}

/** What `https: mirror` would publish at a name flattened to `target`, given these addresses. */
function mirroredHttps(target: string, families: readonly FamilyResolution[], https: HttpsResolution): string[] {
  const published: Partial<Record<Family, readonly string[]>> = {};
  for (const r of families) if (r.kind === 'addresses') published[r.family] = r.addresses;
  const decision = planHttps({ name: target, target, mode: 'mirror', ttl: { kind: 'range', min: 0, max: 2_147_483_647 }, resolved: https, published, current: undefined });
  return decision.kind === 'change' && decision.change.after !== null ? [...decision.change.after.values] : [];
}

function describeHttps(r: HttpsResolution, mirrored: readonly string[]): string[] {
  const lines = r.chain.map((link) => `  HTTPS ${link.name} → CNAME ${link.cname}  (ttl ${link.ttl})`);
  switch (r.kind) {
    case 'records':
      lines.push(`  HTTPS records (ttl ${r.ttl}):`, ...r.records.map((record) => `    ${formatSvcbPresentation(record)}`));
      lines.push('  HTTPS published at a flattened name (https: mirror):', ...mirrored.map((text) => `    ${text}`));
      break;
    case 'empty':
      lines.push(`  HTTPS empty (${r.reason}): https: mirror removes the name's HTTPS records`);
      break;
    case 'failure':
      lines.push(`  HTTPS failure: ${r.reason}`);
      break;
  }
  return lines;
}

function describe(r: FamilyResolution): string[] {
  const lines = r.chain.map((link) => `  ${r.family.padEnd(5)} ${link.name} → CNAME ${link.cname}  (ttl ${link.ttl})`);
  switch (r.kind) {
    case 'addresses':
      lines.push(`  ${r.family.padEnd(5)} addresses (ttl ${r.ttl}): ${r.addresses.join(', ')}`);
      break;
    case 'empty':
      lines.push(`  ${r.family.padEnd(5)} empty (${r.reason})`);
      break;
    case 'failure':
      lines.push(`  ${r.family.padEnd(5)} failure: ${r.reason}`);
      break;
  }
  return lines;
}
