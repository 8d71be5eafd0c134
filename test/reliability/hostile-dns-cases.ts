import { normalizeAddress, normalizeAddressSet } from '../../src/addresses.js';
import type { ResolutionFailureKind } from '../../src/resolve/types.js';
import type { TestDnsServer } from '../support/dns-server.js';
import type { PublishedSet } from '../support/faults/published.js';

/**
 * The hostile DNS answers (every misbehaviour the test server knows), each with what
 * docs/design/resolution.md says the resolver must make of it, and what planning.md then says may be
 * published. Every case is one target name `<id>.hostile.test`; every record pointing at it
 * starts with OLD published and must end with exactly `publish`.
 */

export type Class = 'addresses' | 'empty' | 'failure';

export interface FamilyExpectation {
  readonly class: Class;
  /** Failure: the reason must say this. */
  readonly reason?: RegExp;
  /** Failure: its kind, as metrics and the JSON report's error.kind carry it. */
  readonly cause?: ResolutionFailureKind;
  /** Addresses: exactly these, normalised and sorted. */
  readonly addresses?: readonly string[];
  /** Addresses: this many (for the 1 000-address answer). */
  readonly addressCount?: number;
  /** Addresses: the observed TTL. */
  readonly ttl?: number;
  /**
   * What the record holds for this family after `sync`: untouched, removed, exactly this set, or
   * `pick` addresses out of `from` at `ttl` (chosen deterministically, stable on the next run).
   */
  readonly publish: 'unchanged' | 'deleted' | PublishedSet | { readonly pick: number; readonly from: readonly string[]; readonly ttl: number };
}

export interface HostileCase {
  readonly id: string;
  readonly what: string;
  readonly setup: (dns: TestDnsServer, target: string) => void;
  readonly A: FamilyExpectation;
  readonly AAAA: FamilyExpectation;
}

/** The resolver settings the cases are written for. */
export const TIMEOUT_MS = 2000;

export const EDGE_A = ['93.184.216.34', '93.184.216.35'];
export const EDGE_AAAA = ['2606:2800:220:1:248:1893:25c8:1946'];
const EDGE_TTL = 120;

const edge = (dns: TestDnsServer, name: string, ttl = EDGE_TTL): void => {
  dns.setAddresses(name, 'A', EDGE_A, ttl);
  dns.setAddresses(name, 'AAAA', EDGE_AAAA, ttl);
};
const misbehaving =
  (behaviour: Parameters<TestDnsServer['setBehaviour']>[1]) =>
  (dns: TestDnsServer, target: string): void => {
    edge(dns, target);
    dns.setBehaviour(target, behaviour);
  };

const newA: FamilyExpectation = { class: 'addresses', addresses: EDGE_A, ttl: EDGE_TTL, publish: { ttl: EDGE_TTL, values: EDGE_A } };
const newAAAA: FamilyExpectation = { class: 'addresses', addresses: EDGE_AAAA, ttl: EDGE_TTL, publish: { ttl: EDGE_TTL, values: EDGE_AAAA } };
/** The edge addresses observed at `observedTtl`, published at `publishedTtl` (clamped to ttl.min/max). */
const edgeAt = (observedTtl: number, publishedTtl: number): Pick<HostileCase, 'A' | 'AAAA'> => ({
  A: { class: 'addresses', addresses: EDGE_A, ttl: observedTtl, publish: { ttl: publishedTtl, values: EDGE_A } },
  AAAA: { class: 'addresses', addresses: EDGE_AAAA, ttl: observedTtl, publish: { ttl: publishedTtl, values: EDGE_AAAA } },
});
const both = (expectation: FamilyExpectation): Pick<HostileCase, 'A' | 'AAAA'> => ({ A: expectation, AAAA: expectation });
const fails = (reason: RegExp, cause: ResolutionFailureKind): Pick<HostileCase, 'A' | 'AAAA'> => both({ class: 'failure', reason, cause, publish: 'unchanged' });
const ignoredThenTimeout = (why: RegExp): RegExp => new RegExp(`no answer from 127\\.0\\.0\\.1:\\d+ within ${TIMEOUT_MS} ms \\(1 attempt; ignored \\d+ responses?: ${why.source}`);

const THOUSAND_A = Array.from({ length: 1000 }, (_, i) => `44.0.${Math.floor(i / 256)}.${i % 256}`);
const THOUSAND_AAAA = Array.from({ length: 1000 }, (_, i) => normalizeAddress('AAAA', `2a01:4f8:0:${i.toString(16)}::1`)!);

function alternatingCase(name: string, offset: number): string {
  return [...name].map((c, i) => ((i + offset) % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');
}

function chain(dns: TestDnsServer, target: string, hops: number, follow: boolean): void {
  let name = target;
  for (let hop = 1; hop <= hops; hop++) {
    const next = `hop${hop}.${target}`;
    dns.setCname(name, next, 600, { follow });
    name = next;
  }
  edge(dns, name);
}

/**
 * CNAME labels a hostile target uses to forge lines of the text report: CR and LF, backspace,
 * ESC[8m (hidden text), a fake "✓ applied" and "Summary:" line, Cyrillic look-alikes of "exa".
 * No label starts or ends with a line break: dns-packet, which the test server writes with,
 * strips a dot next to one.
 */
export const FORGING_LABELS = ['x\r\u001b[8my', 'a\n  ✓ applied h0\b', 'b\nSummary: 0 updated, 1 in sync, 0 failed\u001b[0m', 'ехаmple'];
/** How the first three of them read once escaped (RFC 1035 presentation format, lower-cased). */
const FORGING_ESCAPED = /x\\013\\027\[8my\.a\\010\\032\\032\\226\\156\\147\\032applied\\032h0\\008\.b\\010summary:\\0320\\032updated,/;

export const HOSTILE_CASES: readonly HostileCase[] = [
  { id: 'wrong-id', what: 'answers with the wrong query ID', setup: misbehaving('wrong-id'), ...fails(ignoredThenTimeout(/wrong ID/), 'timeout') },
  { id: 'wrong-question', what: 'answers another question', setup: misbehaving('wrong-question'), ...fails(ignoredThenTimeout(/wrong question/), 'timeout') },
  { id: 'wrong-source', what: 'answers from another port', setup: misbehaving('wrong-source'), ...fails(/no answer from 127\.0\.0\.1:\d+ within/, 'timeout') },
  { id: 'other-names', what: 'adds records for names outside the chain', setup: misbehaving('other-name-answers'), A: newA, AAAA: newAAAA },
  { id: 'tc-tcp-fails', what: 'truncates over UDP, then TCP fails', setup: misbehaving('truncate-tcp-fail'), ...fails(/truncated over UDP, and over TCP/, 'unreachable') },
  { id: 'tc-tcp-ok', what: 'truncates over UDP, answers over TCP', setup: misbehaving('truncate'), A: newA, AAAA: newAAAA },
  { id: 'tc-tcp-garbage', what: 'truncates over UDP, garbage over TCP', setup: misbehaving('truncate-tcp-garbage'), ...fails(/over TCP from 127\.0\.0\.1:\d+/, 'malformed') },
  {
    id: 'tc-tcp-wrong-id',
    what: 'truncates over UDP, wrong ID over TCP',
    setup: misbehaving('truncate-tcp-wrong-id'),
    ...fails(/answer over TCP from 127\.0\.0\.1:\d+ ignored: wrong ID/, 'malformed'),
  },
  { id: 'garbage', what: 'records that run past the end of the message', setup: misbehaving('garbage'), ...fails(ignoredThenTimeout(/malformed/), 'timeout') },
  { id: 'bad-then-good', what: 'three bad datagrams, then the right answer', setup: misbehaving('bad-then-good'), A: newA, AAAA: newAAAA },
  { id: 'bad-rdata', what: 'an address record with the wrong RDLENGTH', setup: misbehaving('bad-rdata'), ...fails(/malformed answer: A{1,4} record with \d+ bytes/, 'malformed') },
  {
    id: 'thousand',
    what: '1 000 addresses per family (TCP fallback, capped at maxAddresses)',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', THOUSAND_A, 300);
      dns.setAddresses(target, 'AAAA', THOUSAND_AAAA, 300);
    },
    A: { class: 'addresses', addressCount: 1000, ttl: 300, publish: { pick: 8, from: THOUSAND_A, ttl: 300 } },
    AAAA: { class: 'addresses', addressCount: 1000, ttl: 300, publish: { pick: 8, from: THOUSAND_AAAA, ttl: 300 } },
  },
  {
    id: 'loop',
    what: 'a CNAME loop of two names',
    setup: (dns, target) => {
      dns.setCname(target, `b.${target}`, 300);
      dns.setCname(`b.${target}`, target, 300);
    },
    ...fails(/CNAME loop/, 'chain'),
  },
  { id: 'self-loop', what: 'a CNAME to itself', setup: (dns, target) => dns.setCname(target, target, 300), ...fails(/CNAME loop/, 'chain') },
  {
    id: 'loop-requery',
    what: 'a CNAME loop spread over separate answers',
    setup: (dns, target) => {
      dns.setCname(target, `b.${target}`, 300, { follow: false });
      dns.setCname(`b.${target}`, `c.${target}`, 300, { follow: false });
      dns.setCname(`c.${target}`, target, 300, { follow: false });
    },
    ...fails(/CNAME loop/, 'chain'),
  },
  { id: 'chain20', what: 'a 20-hop CNAME chain in one answer', setup: (dns, t) => chain(dns, t, 20, true), ...fails(/CNAME chain longer than 16 hops/, 'chain') },
  { id: 'chain20-requery', what: 'a 20-hop CNAME chain, one hop per answer', setup: (dns, t) => chain(dns, t, 20, false), ...fails(/CNAME chain longer than 16 hops/, 'chain') },
  { id: 'chain16', what: 'a 16-hop CNAME chain (the limit) resolves', setup: (dns, t) => chain(dns, t, 16, true), A: newA, AAAA: newAAAA },
  {
    id: 'special',
    what: 'special-purpose addresses only (RFC 1918, ULA)',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', ['10.1.2.3'], 300);
      dns.setAddresses(target, 'AAAA', ['fd00::1'], 300);
    },
    A: { class: 'addresses', addresses: ['10.1.2.3'], publish: 'unchanged' },
    AAAA: { class: 'addresses', addresses: ['fd00::1'], publish: 'unchanged' },
  },
  {
    id: 'loopback',
    what: 'loopback and unspecified addresses',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', ['127.0.0.1', '0.0.0.0'], 300);
      dns.setAddresses(target, 'AAAA', ['::1'], 300);
    },
    A: { class: 'addresses', addresses: ['0.0.0.0', '127.0.0.1'], publish: 'unchanged' },
    AAAA: { class: 'addresses', addresses: ['::1'], publish: 'unchanged' },
  },
  {
    id: 'special-mixed',
    what: 'one special address among public ones refuses the family, not just the address',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', [...EDGE_A, '192.168.1.1'], EDGE_TTL);
      dns.setAddresses(target, 'AAAA', EDGE_AAAA, EDGE_TTL);
    },
    A: { class: 'addresses', addresses: [EDGE_A[0]!, EDGE_A[1]!, '192.168.1.1'], publish: 'unchanged' },
    AAAA: newAAAA,
  },
  {
    id: 'special-registry',
    what: 'special-purpose entries of the IANA registries missing from the old hand-written list (documentation 3fff::/20, benchmarking, SRv6, dummy prefix, 6to4 relay anycast)',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', ['192.88.99.1', '192.0.0.170'], 300);
      dns.setAddresses(target, 'AAAA', ['3fff::1', '2001:2::1', '5f00::1', '100:0:0:1::1', '2001:1ff::1'], 300);
    },
    A: { class: 'addresses', addresses: normalizeAddressSet('A', ['192.88.99.1', '192.0.0.170']), publish: 'unchanged' },
    AAAA: { class: 'addresses', addresses: normalizeAddressSet('AAAA', ['3fff::1', '2001:2::1', '5f00::1', '100:0:0:1::1', '2001:1ff::1']), publish: 'unchanged' },
  },
  {
    id: 'special-embedded',
    what: 'IPv6 forms carrying a special IPv4 address (6to4, IPv4-compatible, local-use NAT64, IPv4-translated, NAT64) and site-local',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', EDGE_A, EDGE_TTL);
      dns.setAddresses(target, 'AAAA', ['2002:7f00:1::1', '::7f00:1', '64:ff9b:1::a00:5', '::ffff:0:7f00:1', '64:ff9b::a00:5', 'fec0::1'], EDGE_TTL);
    },
    A: newA,
    AAAA: {
      class: 'addresses',
      addresses: normalizeAddressSet('AAAA', ['2002:7f00:1::1', '::7f00:1', '64:ff9b:1::a00:5', '::ffff:0:7f00:1', '64:ff9b::a00:5', 'fec0::1']),
      publish: 'unchanged',
    },
  },
  {
    id: 'v4-mapped',
    what: 'an IPv4-mapped IPv6 address',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', EDGE_A, EDGE_TTL);
      dns.setAddresses(target, 'AAAA', ['::ffff:93.184.216.34'], EDGE_TTL);
    },
    A: newA,
    AAAA: { class: 'addresses', addresses: ['::ffff:93.184.216.34'], publish: 'unchanged' },
  },
  {
    id: 'upper-case',
    what: 'every name of the answer in upper case',
    setup: (dns, target) => {
      dns.setCname(target, `edge.${target}`, 600);
      edge(dns, `edge.${target}`);
      dns.setBehaviour(target, 'upper-case-answers');
    },
    A: newA,
    AAAA: newAAAA,
  },
  {
    id: 'mixed-case',
    what: 'owner names and CNAME targets in mixed case',
    setup: (dns, target) => {
      // Three spellings of the same names: the owner, the CNAME's data, the address records' owner.
      dns.setCname(alternatingCase(target, 0), `EDGE.${alternatingCase(target, 1)}`, 600);
      edge(dns, `eDgE.${target.toUpperCase()}`);
    },
    A: newA,
    AAAA: newAAAA,
  },
  {
    id: 'cname-forging-fails',
    what: 'a CNAME whose labels carry control bytes and a forged report, to a name that fails',
    setup: (dns, target) => {
      const forged = `${FORGING_LABELS.join('.')}.${target}`;
      dns.setCname(target, forged, 300, { follow: false });
      dns.setBehaviour(forged, 'servfail');
    },
    ...fails(new RegExp(`SERVFAIL from 127\\.0\\.0\\.1:\\d+ \\(asking for ${FORGING_ESCAPED.source}`), 'servfail'),
  },
  {
    id: 'cname-forging-resolves',
    what: 'a CNAME whose labels carry control bytes, asked for as they are, answers',
    setup: (dns, target) => {
      const forged = `${FORGING_LABELS.join('.')}.${target}`;
      dns.setCname(target, forged, 300, { follow: false });
      edge(dns, forged);
    },
    A: newA,
    AAAA: newAAAA,
  },
  { id: 'ttl-zero', what: 'TTL 0 (published at ttl.min)', setup: (dns, t) => edge(dns, t, 0), ...edgeAt(0, 60) },
  { id: 'ttl-huge', what: 'TTL 2^31-1 (published at ttl.max)', setup: (dns, t) => edge(dns, t, 2_147_483_647), ...edgeAt(2_147_483_647, 3600) },
  { id: 'ttl-top-bit', what: 'TTL with the top bit set (RFC 2181 §8: zero)', setup: (dns, t) => edge(dns, t, 4_294_967_295), ...edgeAt(0, 60) },
  { id: 'delay-under', what: `answers after ${TIMEOUT_MS / 2} ms (timeout ${TIMEOUT_MS} ms)`, setup: misbehaving({ delayMs: TIMEOUT_MS / 2 }), A: newA, AAAA: newAAAA },
  {
    id: 'delay-over',
    what: `answers after ${TIMEOUT_MS * 1.6} ms (timeout ${TIMEOUT_MS} ms)`,
    setup: misbehaving({ delayMs: TIMEOUT_MS * 1.6 }),
    ...fails(new RegExp(`no answer from 127\\.0\\.0\\.1:\\d+ within ${TIMEOUT_MS} ms`), 'timeout'),
  },
  { id: 'drop', what: 'never answers', setup: misbehaving('drop'), ...fails(new RegExp(`no answer from 127\\.0\\.0\\.1:\\d+ within ${TIMEOUT_MS} ms \\(1 attempt\\)`), 'timeout') },
  { id: 'servfail', what: 'SERVFAIL', setup: misbehaving('servfail'), ...fails(/SERVFAIL from/, 'servfail') },
  { id: 'refused', what: 'REFUSED', setup: misbehaving('refused'), ...fails(/REFUSED from/, 'refused') },
  { id: 'formerr', what: 'FORMERR', setup: misbehaving('formerr'), ...fails(/FORMERR from/, 'error') },
  { id: 'notimp', what: 'NOTIMP', setup: misbehaving('notimp'), ...fails(/NOTIMP from/, 'error') },
  { id: 'formerr-bare', what: 'FORMERR without a question section', setup: misbehaving('no-question-formerr'), ...fails(/FORMERR from/, 'error') },
  { id: 'badvers', what: 'an extended rcode (BADVERS, split over header and OPT)', setup: misbehaving({ rcode: 16 }), ...fails(/BADVERS from/, 'error') },
  { id: 'nxdomain', what: 'NXDOMAIN', setup: () => undefined, ...both({ class: 'empty', publish: 'unchanged' }) },
  { id: 'cname-nxdomain', what: 'a CNAME to a name that does not exist', setup: (dns, t) => dns.setCname(t, `gone.${t}`, 300), ...both({ class: 'empty', publish: 'unchanged' }) },
  {
    id: 'nodata-both',
    what: 'the name exists with no address of either family',
    setup: (dns, target) => {
      dns.setAddresses(target, 'A', ['93.184.216.34']);
      dns.setAddresses(target, 'A', []);
    },
    ...both({ class: 'empty', publish: 'unchanged' }),
  },
  {
    id: 'nodata-aaaa',
    what: 'A answers, AAAA is NODATA (the target really has no IPv6)',
    setup: (dns, target) => dns.setAddresses(target, 'A', EDGE_A, EDGE_TTL),
    A: newA,
    AAAA: { class: 'empty', publish: 'deleted' },
  },
];
