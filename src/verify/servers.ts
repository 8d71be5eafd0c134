import net from 'node:net';
import { normalizeName } from '../lib/names.js';
import { askServer } from '../dns/direct.js';
import { formatServerAddress, type ServerAddress } from '../dns/server-address.js';
import type { Resolver } from '../resolve/types.js';

/** One server of a zone: a label for reports and the addresses it can be asked at, in order. */
export interface ZoneServer {
  readonly label: string;
  readonly addresses: readonly ServerAddress[];
  /** Asked over TCP (the RFC 2136 primary, which apexsync already reaches over TCP). */
  readonly tcp?: boolean;
}

export type ServerList = { readonly kind: 'servers'; readonly servers: readonly ZoneServer[] } | { readonly kind: 'failure'; readonly reason: string };

export interface ServerDiscovery {
  readonly resolver: Resolver;
  /** The configured resolver's servers: the NS set of a zone is asked of them (with recursion). */
  readonly resolverServers: readonly ServerAddress[];
  readonly timeoutMs: number;
  /** Port of the servers named by an NS set (53; tests serve elsewhere). */
  readonly nsPort?: number;
}

/**
 * The servers to ask for `zone`: the configured `host[:port]` list, else the zone's NS set looked
 * up through the configured resolver, each name at its addresses. `always` (an RFC 2136 primary)
 * is among them either way.
 */
export async function findZoneServers(zone: string, configured: readonly string[] | undefined, always: readonly ServerAddress[], discovery: ServerDiscovery): Promise<ServerList> {
  const servers: ZoneServer[] = always.map((address) => ({ label: formatServerAddress(address), addresses: [address], tcp: true }));
  if (configured !== undefined) {
    const named = await Promise.all(configured.map((text) => serverFromText(text, discovery)));
    servers.push(...named);
  } else {
    const ns = await lookupNameServers(zone, discovery);
    if (ns.kind === 'failure') {
      if (servers.length === 0) return ns;
    } else {
      const port = discovery.nsPort ?? 53;
      const named = await Promise.all(ns.names.map(async (name) => ({ label: `${name}:${port}`, addresses: await addressesOf(name, port, discovery) })));
      servers.push(...named);
    }
  }
  return { kind: 'servers', servers: dedupe(servers) };
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address; a host name is looked up through the resolver. */
async function serverFromText(text: string, discovery: ServerDiscovery): Promise<ZoneServer> {
  const { host, port } = splitHostPort(text.trim());
  if (net.isIP(host)) {
    const address = { host, port };
    return { label: formatServerAddress(address), addresses: [address] };
  }
  return { label: `${normalizeName(host)}:${port}`, addresses: await addressesOf(normalizeName(host), port, discovery) };
}

export function splitHostPort(text: string): { readonly host: string; readonly port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] !== undefined ? Number(bracketed[2]) : 53 };
  if (net.isIPv6(text)) return { host: text, port: 53 };
  const m = /^([^:]+)(?::(\d+))?$/.exec(text);
  return { host: m?.[1] ?? text, port: m?.[2] !== undefined ? Number(m[2]) : 53 };
}

/** IPv4 first: a host without IPv6 connectivity should not spend a timeout on every server. */
async function addressesOf(name: string, port: number, discovery: ServerDiscovery): Promise<ServerAddress[]> {
  const [a, aaaa] = await Promise.all([discovery.resolver.resolve(name, 'A'), discovery.resolver.resolve(name, 'AAAA')]);
  return [a, aaaa].flatMap((r) => (r.kind === 'addresses' ? r.addresses.map((host) => ({ host, port })) : []));
}

type NameServers = { readonly kind: 'names'; readonly names: readonly string[] } | { readonly kind: 'failure'; readonly reason: string };

async function lookupNameServers(zone: string, discovery: ServerDiscovery): Promise<NameServers> {
  const failures: string[] = [];
  for (const server of discovery.resolverServers) {
    const answer = await askServer(server, zone, 'NS', { timeoutMs: discovery.timeoutMs, recursion: true });
    if (answer.kind === 'failure') {
      failures.push(answer.reason);
      continue;
    }
    const names = [...new Set(answer.records.flatMap((r) => (r.type === 'NS' ? [r.data] : [])))].sort();
    if (answer.rcode === 'NOERROR' && names.length > 0) return { kind: 'names', names };
    failures.push(`${formatServerAddress(server)} answered ${answer.rcode}${answer.rcode === 'NOERROR' ? ' without NS records' : ''}`);
  }
  return { kind: 'failure', reason: `the NS set of ${zone} could not be looked up: ${failures.join('; ') || 'no resolver servers'}` };
}

function dedupe(servers: readonly ZoneServer[]): ZoneServer[] {
  const seen = new Set<string>();
  return servers.filter((server) => {
    const key = server.addresses.length > 0 ? server.addresses.map(formatServerAddress).join(',') : server.label;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
