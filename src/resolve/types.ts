import type { ClientSubnet } from '../dns/query.js';
import type { ServerAddress } from '../dns/server-address.js';
import type { Family, FailureKind } from '../model.js';
import type { SvcbRecord } from '../dns/svcb.js';

export type { ClientSubnet } from '../dns/query.js';

/**
 * Why a resolution failed, as data (the metrics label it, nothing re-reads the reason's text):
 * no answer in time; the server answered SERVFAIL or REFUSED; the answer could not be trusted;
 * the CNAME chain was too long or looped; the server could not be reached (connection refused,
 * network unreachable); anything else.
 */
export type ResolutionFailureKind = Extract<FailureKind, 'timeout' | 'servfail' | 'refused' | 'malformed' | 'chain' | 'unreachable' | 'error'>;

/** One CNAME hop of a target's chain, as observed. */
export interface ChainLink {
  readonly name: string;
  readonly cname: string;
  readonly ttl: number;
}

/**
 * The result of resolving one family of a target (docs/design/resolution.md). Exactly one of:
 * - `addresses`: ≥ 1 normalised, de-duplicated, sorted addresses; `ttl` is the minimum over the
 *   chain and the address set;
 * - `empty`: NXDOMAIN, or NOERROR without an address of the family at the end of the chain;
 * - `failure`: the answer could not be trusted or obtained; `reason` says why, for the operator,
 *   and `cause` what kind of failure it was.
 *
 * Every name in it (chain links, reasons) is in presentation format: escaped as src/dns/names.ts
 * decodes them, so nothing from the wire can put a control byte in a report, log or terminal.
 */
export type FamilyResolution =
  | { readonly kind: 'addresses'; readonly family: Family; readonly addresses: readonly string[]; readonly ttl: number; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'empty'; readonly family: Family; readonly reason: 'NXDOMAIN' | 'NODATA'; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'failure'; readonly family: Family; readonly reason: string; readonly cause: ResolutionFailureKind; readonly chain: readonly ChainLink[] };

export interface ResolverSettings {
  readonly servers: readonly ServerAddress[];
  readonly timeoutMs: number;
  /** Tries per server before moving on to the next one. */
  readonly attempts: number;
  readonly ecs?: ClientSubnet;
}

export interface Resolver {
  resolve(target: string, family: Family): Promise<FamilyResolution>;
  /** The target's HTTPS RRset (type 65), following CNAMEs like `resolve`. (Test doubles that script addresses only leave it out.) */
  resolveHttps?(target: string): Promise<HttpsResolution>;
}

/**
 * The target's HTTPS RRset (type 65), resolved like an address family: the records at the end of
 * the CNAME chain, `empty` (NXDOMAIN or no HTTPS record there) or `failure` (including RDATA that
 * does not parse).
 */
export type HttpsResolution =
  | { readonly kind: 'records'; readonly family: 'HTTPS'; readonly records: readonly SvcbRecord[]; readonly ttl: number; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'empty'; readonly family: 'HTTPS'; readonly reason: 'NXDOMAIN' | 'NODATA'; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'failure'; readonly family: 'HTTPS'; readonly reason: string; readonly cause: ResolutionFailureKind; readonly chain: readonly ChainLink[] };
