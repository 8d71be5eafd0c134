import { normalizeAddress } from '../../src/addresses.js';
import type { Family } from '../../src/model.js';
import type { Token } from './lexer.js';
import { canonicalSvcbValues, decodeSvcbRdata, parseSvcbPresentation, SvcbError } from '../../src/dns/svcb.js';
import { parseTtl } from './ttl.js';

/**
 * The few RDATA formats apexsync has to understand: A and AAAA (the values it manages, in
 * presentation form or RFC 3597 `\# <length> <hex>`) and SOA (the serial it bumps and the minimum
 * that may become the default TTL). Every other type's RDATA is kept as opaque tokens.
 */

/** Type mnemonics by RFC 3597 `TYPEnnn` number, for the types apexsync looks at. */
const TYPE_BY_NUMBER: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 28: 'AAAA', 39: 'DNAME', 65: 'HTTPS' };

/** Upper-case mnemonic of a type token (`a` → `A`, `TYPE28` → `AAAA`); undefined when it is not type syntax. */
export function typeMnemonic(text: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(text)) return undefined;
  const upper = text.toUpperCase();
  const numbered = /^TYPE(\d+)$/.exec(upper);
  if (numbered) return TYPE_BY_NUMBER[Number(numbered[1])] ?? upper;
  return upper;
}

/** The normalised address in an A/AAAA record's RDATA, or a reason it is not one. */
export function parseAddressRdata(family: Family, rdata: readonly Token[]): string | { error: string } {
  const texts = rdata.map((t) => t.text);
  if (texts[0] === '\\#') return parseGenericAddress(family, texts.slice(1));
  const only = rdata.length === 1 && rdata[0] !== undefined && !rdata[0].quoted ? normalizeAddress(family, rdata[0].text) : undefined;
  return only ?? { error: `not an ${family === 'A' ? 'IPv4' : 'IPv6'} address: '${texts.join(' ')}'` };
}

/** RFC 3597 §5 generic RDATA: `\# 4 c0000201` (hex may be split over several tokens). */
function parseGenericAddress(family: Family, parts: readonly string[]): string | { error: string } {
  const size = family === 'A' ? 4 : 16;
  const hex = parts.slice(1).join('');
  if (parts[0] !== String(size) || !/^[0-9a-f]*$/i.test(hex) || hex.length !== size * 2) {
    return { error: `bad RFC 3597 ${family} data: '\\# ${parts.join(' ')}'` };
  }
  const bytes = hex.match(/../g) as string[];
  const text = family === 'A' ? bytes.map((b) => parseInt(b, 16)).join('.') : Array.from({ length: 8 }, (_, i) => `${bytes[2 * i]}${bytes[2 * i + 1]}`).join(':');
  return normalizeAddress(family, text) ?? { error: `bad ${family} data: '\\# ${parts.join(' ')}'` };
}

/**
 * An HTTPS record's RDATA in canonical presentation form, or why it is not one. The tokens are
 * joined as written (quotes and escapes kept), which is the presentation form the codec reads;
 * RFC 3597 `\#` data is decoded from its wire form.
 */
export function parseHttpsRdata(rdata: readonly Token[]): string | { error: string } {
  const texts = rdata.map((t) => t.text);
  try {
    if (texts[0] === '\\#') {
      const hex = texts.slice(2).join('');
      if (!/^([0-9a-f]{2})*$/i.test(hex) || hex.length / 2 !== Number(texts[1])) return { error: `bad RFC 3597 HTTPS data: '${texts.join(' ')}'` };
      return canonicalSvcbValues([decodeSvcbRdata(Buffer.from(hex, 'hex'))])[0]!;
    }
    return canonicalSvcbValues([parseSvcbPresentation(joinTouching(rdata))])[0]!;
  } catch (error) {
    if (error instanceof SvcbError) return { error: `bad HTTPS data: ${error.message}` };
    throw error;
  }
}

/**
 * The tokens as one text, spaced only where the file had space: `alpn="h3,h2"` is one SvcParam
 * although the lexer ends a token at its quote.
 */
function joinTouching(tokens: readonly Token[]): string {
  let text = '';
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1];
    const touching = previous !== undefined && previous.line === token.line && previous.end === token.start;
    text += (i === 0 || touching ? '' : ' ') + token.text;
  });
  return text;
}

export interface SoaFields {
  readonly serial: number;
  readonly serialToken: Token;
  readonly minimum: number;
}

/** Serial and minimum of an SOA record's RDATA (MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM). */
export function parseSoaRdata(rdata: readonly Token[]): SoaFields | { error: string } {
  if (rdata.length !== 7) return { error: `an SOA record needs 7 fields, found ${rdata.length}` };
  const serialToken = rdata[2] as Token;
  if (!/^\d+$/.test(serialToken.text) || Number(serialToken.text) > 0xffffffff) {
    return { error: `bad SOA serial '${serialToken.text}' (a number from 0 to 4294967295)` };
  }
  const minimum = parseTtl((rdata[6] as Token).text);
  if (minimum === undefined) return { error: `bad SOA minimum '${(rdata[6] as Token).text}'` };
  for (const timer of rdata.slice(3, 6)) {
    if (parseTtl(timer.text) === undefined) return { error: `bad SOA timer '${timer.text}'` };
  }
  return { serial: Number(serialToken.text), serialToken, minimum };
}
