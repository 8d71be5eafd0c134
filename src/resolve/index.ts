import { clientSubnetOption, QueryEncoder } from '../dns/query.js';
import type { Family } from '../model.js';
import { isHostname, normalizeName } from '../lib/names.js';
import { addressesFound, followChain, httpsFound } from './chain.js';
import { QueryContext, queryServers } from './exchange.js';
import { ConcurrencyLimiter } from './limiter.js';
import type { FamilyResolution, HttpsResolution, Resolver, ResolverSettings } from './types.js';
import { UdpSocketPool } from './udp-pool.js';
import { toUpstream } from './upstream.js';

export type { ChainLink, ClientSubnet, FamilyResolution, ResolutionFailureKind, Resolver, ResolverSettings } from './types.js';
export { MAX_CNAME_HOPS } from './chain.js';

export interface ResolverOptions {
  /** Most UDP/TCP exchanges in flight at once (default 128); more wait their turn. */
  readonly maxConcurrentQueries?: number;
  /** UDP sockets in rotation per server (default 4); see UdpSocketPool. */
  readonly udpSocketsPerServer?: number;
  /** Queries a UDP socket sends before a new socket, on a new random port, takes its place (default 500). */
  readonly queriesPerUdpSocket?: number;
  /** Age after which a UDP socket takes no new query, however few it has sent (default 1000 ms). */
  readonly udpSocketMaxAgeMs?: number;
}

// Measured over 10 000 names against the in-process test server: 64–256 in flight are equally
// fast, from 512 on the server's receive buffer overflows and dropped queries cost timeouts.
const DEFAULT_MAX_CONCURRENT_QUERIES = 128;
// The UDP pool's defaults, and why: a fresh socket per query gives each query ~15 bits
// of port entropy (Linux picks ports from 28 232) on top of the 16-bit random ID, but opening,
// binding and closing it cost more than the rest of the query. Pooled, a port stays just as
// unpredictable to an off-path attacker; what changes is that a port, once found (e.g. through an
// ICMP side channel such as SAD DNS, which takes seconds of scanning), would serve for more than
// one query. So no port lives long: at most 500 queries (about 50 ms at bulk rates, where each
// new socket costs ~150 µs, 0.3 µs per query) and at most 1 s when queries trickle in, and none is
// kept open idle for more than 500 ms. Four sockets per server, each query on one at random, keep
// the IDs in flight per socket few (128 in flight → ~32 per socket, so an ID is unique among
// them at the first or second draw).
const DEFAULT_UDP_SOCKETS_PER_SERVER = 4;
const DEFAULT_QUERIES_PER_UDP_SOCKET = 500;
const DEFAULT_UDP_SOCKET_MAX_AGE_MS = 1000;
/** A pooled socket with nothing in flight this long is closed: its port is not kept open between rounds. */
const UDP_IDLE_CLOSE_MS = 500;

/**
 * A DNS client on the wire (docs/design/resolution.md), not Node's `dns` module, which hides TTLs and folds
 * SERVFAIL, timeouts and NXDOMAIN into look-alike errors. Concurrent calls for the same target
 * and family share one resolution: many records often point at one load balancer.
 */
export function createResolver(settings: ResolverSettings, options: ResolverOptions = {}): Required<Resolver> {
  const servers = settings.servers.map(toUpstream);
  const encoder = new QueryEncoder({ recursionDesired: true, ednsOptions: settings.ecs ? [clientSubnetOption(settings.ecs)] : [] });
  const context = new QueryContext(
    servers,
    settings.timeoutMs,
    settings.attempts,
    encoder,
    new UdpSocketPool(
      {
        socketsPerServer: options.udpSocketsPerServer ?? DEFAULT_UDP_SOCKETS_PER_SERVER,
        queriesPerSocket: options.queriesPerUdpSocket ?? DEFAULT_QUERIES_PER_UDP_SOCKET,
        maxSocketAgeMs: options.udpSocketMaxAgeMs ?? DEFAULT_UDP_SOCKET_MAX_AGE_MS,
        timeoutMs: settings.timeoutMs,
        idleCloseMs: UDP_IDLE_CLOSE_MS,
        clientSubnet: encoder.clientSubnet,
      },
      servers,
    ),
    new ConcurrencyLimiter(options.maxConcurrentQueries ?? DEFAULT_MAX_CONCURRENT_QUERIES),
  );
  const inFlight = new Map<string, Promise<FamilyResolution>>();

  return {
    resolve(target: string, family: Family): Promise<FamilyResolution> {
      const name = normalizeName(target);
      if (!isHostname(name)) return Promise.resolve({ kind: 'failure', family, reason: `not a hostname: ${target}`, cause: 'error', chain: [] });
      const key = `${family} ${name}`;
      const pending = inFlight.get(key);
      if (pending) return pending;
      const resolution = followChain(name, family, (queried) => queryServers(context, queried, family), addressesFound);
      inFlight.set(key, resolution);
      // Not .finally(): that would add three promise turns to every lookup. This reaction is
      // registered first, so the entry is gone before any caller resumes.
      const forget = (): void => {
        inFlight.delete(key);
      };
      void resolution.then(forget, forget);
      return resolution;
    },
    resolveHttps(target: string): Promise<HttpsResolution> {
      const name = normalizeName(target);
      if (!isHostname(name)) return Promise.resolve({ kind: 'failure', family: 'HTTPS', reason: `not a hostname: ${target}`, cause: 'error', chain: [] });
      return followChain(name, 'HTTPS', (queried) => queryServers(context, queried, 'HTTPS'), httpsFound);
    },
  };
}

/**
 * Both families of `target`, as the planner would see them, for `apexsync resolve`: each
 * FamilyResolution carries its chain (with per-hop TTLs), its class and its TTL or reason.
 */
export async function traceResolve(settings: ResolverSettings, target: string): Promise<Readonly<Record<Family, FamilyResolution>> & { readonly HTTPS: HttpsResolution }> {
  const resolver = createResolver(settings);
  const [a, aaaa, https] = await Promise.all([resolver.resolve(target, 'A'), resolver.resolve(target, 'AAAA'), resolver.resolveHttps(target)]);
  return { A: a, AAAA: aaaa, HTTPS: https };
}
