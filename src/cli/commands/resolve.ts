import { loadConfig, readSystemNameservers } from '../../config/index.js';
import { FAMILIES } from '../../model.js';
import { isHostname, normalizeName } from '../../lib/names.js';
import { createResolver } from '../../resolve/index.js';
import { formatServerAddress, parseServerAddress, type ServerAddress } from '../../dns/server-address.js';
import type { FamilyResolution, ResolverSettings } from '../../resolve/types.js';
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
  const results = await Promise.all(FAMILIES.map((family) => resolver.resolve(target, family)));
  if (options.output === 'json') {
    print(`${JSON.stringify({ target, servers: settings.servers.map(formatServerAddress), families: results }, null, 2)}\n`);
  } else {
    const lines = [`${target}  (via ${settings.servers.map(formatServerAddress).join(', ')})`];
    for (const r of results) lines.push(...describe(r));
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
