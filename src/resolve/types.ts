import type { Family, FailureKind } from '../model.js';
import type { ServerAddress } from './transport.js';

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
 * - `failure`: the answer could not be trusted or obtained; `reason` says why, for the operator.
 */
export type FamilyResolution =
  | { readonly kind: 'addresses'; readonly family: Family; readonly addresses: readonly string[]; readonly ttl: number; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'empty'; readonly family: Family; readonly reason: 'NXDOMAIN' | 'NODATA'; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'failure'; readonly family: Family; readonly reason: string; readonly cause?: FailureKind; readonly chain: readonly ChainLink[] };

/** EDNS Client Subnet option (RFC 7871) to send with every query. */
export interface ClientSubnet {
  readonly family: 1 | 2;
  readonly address: string;
  readonly sourcePrefixLength: number;
}

export interface ResolverSettings {
  readonly servers: readonly ServerAddress[];
  readonly timeoutMs: number;
  /** Tries per server before moving on to the next one. */
  readonly attempts: number;
  readonly ecs?: ClientSubnet;
}

export interface Resolver {
  resolve(target: string, family: Family): Promise<FamilyResolution>;
}
