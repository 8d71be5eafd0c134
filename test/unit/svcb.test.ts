import { describe, expect, it } from 'vitest';
import { decodeSvcbRdata, encodeSvcbRdata, formatSvcbPresentation, parseSvcbPresentation, sameSvcbRecords, SvcbError } from '../../src/dns/svcb.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const FOO_EXAMPLE_COM = '03 666f6f 07 6578616d706c65 03 636f6d 00';
const FOO_EXAMPLE_ORG = '03 666f6f 07 6578616d706c65 03 6f7267 00';

/** The test vectors of RFC 9460 Appendix D: presentation, and the wire form of its RDATA. */
const VECTORS: ReadonlyArray<{ what: string; presentation: string; wire: string; canonical?: string }> = [
  { what: 'AliasMode', presentation: '0 foo.example.com.', wire: `0000 ${FOO_EXAMPLE_COM}` },
  { what: 'ServiceMode, TargetName "."', presentation: '1 .', wire: '0001 00' },
  { what: 'a port', presentation: '16 foo.example.com. port=53', wire: `0010 ${FOO_EXAMPLE_COM} 0003 0002 0035` },
  { what: 'an unknown key', presentation: '1 foo.example.com. key667=hello', wire: `0001 ${FOO_EXAMPLE_COM} 029b 0005 68656c6c6f`, canonical: '1 foo.example.com. key667="hello"' },
  {
    what: 'an unknown key with a quoted \\DDD escape',
    presentation: '1 foo.example.com. key667="hello\\210qoo"',
    wire: `0001 ${FOO_EXAMPLE_COM} 029b 0009 68656c6c6fd2716f6f`,
  },
  {
    what: 'two IPv6 hints',
    presentation: '1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"',
    wire: `0001 ${FOO_EXAMPLE_COM} 0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001`,
    canonical: '1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1',
  },
  {
    what: 'an IPv4-mapped IPv6 hint',
    presentation: '1 example.com. ipv6hint="2001:db8:122:344::192.0.2.33"',
    wire: '0001 07 6578616d706c65 03 636f6d 00 0006 0010 20010db80122034400000000c0000221',
    canonical: '1 example.com. ipv6hint=2001:db8:122:344::c000:221',
  },
  {
    what: 'keys in any order, mandatory, alpn and ipv4hint',
    presentation: '16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1',
    wire: `0010 ${FOO_EXAMPLE_ORG} 0000 0004 00010004 0001 0009 026832 05 68332d3139 0004 0004 c0000201`,
    canonical: '16 foo.example.org. mandatory=alpn,ipv4hint alpn="h2,h3-19" ipv4hint=192.0.2.1',
  },
  {
    what: 'an alpn id holding a comma and a backslash (value-list escaping)',
    presentation: '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"',
    wire: `0010 ${FOO_EXAMPLE_ORG} 0001 000c 08 665c6f6f2c626172 02 6832`,
  },
];

describe('SVCB/HTTPS codec: the RFC 9460 test vectors', () => {
  for (const { what, presentation, wire, canonical } of VECTORS) {
    it(what, () => {
      const parsed = parseSvcbPresentation(presentation);
      expect(encodeSvcbRdata(parsed).toString('hex')).toBe(hex(wire).toString('hex'));
      const decoded = decodeSvcbRdata(hex(wire));
      expect(decoded).toEqual(parsed);
      expect(formatSvcbPresentation(decoded)).toBe(canonical ?? presentation);
      // The canonical text reads back to the same record.
      expect(parseSvcbPresentation(formatSvcbPresentation(decoded))).toEqual(parsed);
    });
  }
});

describe('SVCB/HTTPS codec: what is refused', () => {
  const refused: ReadonlyArray<[string, RegExp]> = [
    ['1 foo.example.com. key123=abc key123=def', /appears twice/],
    ['1 foo.example.com. mandatory', /needs a value/],
    ['1 foo.example.com. alpn', /needs a value/],
    ['1 foo.example.com. port', /needs a value/],
    ['1 foo.example.com. ipv4hint', /needs a value/],
    ['1 foo.example.com. ipv6hint', /needs a value/],
    ['1 foo.example.com. no-default-alpn=abc', /takes no value/],
    ['1 foo.example.com. mandatory=key123', /does not have/],
    ['1 foo.example.com. mandatory=mandatory', /must not list itself/],
    ['1 foo.example.com. ipv6hint=192.0.2.1', /not an IPv6 address/],
    ['1 foo.example.com. no-default-alpn', /without alpn/],
    ['0 foo.example.com. alpn=h2', /AliasMode/],
    ['1 foo.example.com. key65535=x', /out of range/],
    ['1 foo.example.com. unknown=1', /unknown SvcParamKey/],
    ['1 foo.example.com', /fully qualified/],
    ['70000 .', /not a number/],
    ['1 . alpn="h2', /unterminated/],
    ['1 . ech=not*base64', /not base64/],
  ];
  for (const [text, problem] of refused) {
    it(text, () => {
      expect(() => parseSvcbPresentation(text)).toThrow(SvcbError);
      expect(() => parseSvcbPresentation(text)).toThrow(problem);
    });
  }

  it('refuses malformed wire forms: keys out of order, truncated values, compressed names', () => {
    expect(() => decodeSvcbRdata(hex('0001 00 0003 0002 0035 0001 0003 026832'))).toThrow(/strictly increasing/);
    expect(() => decodeSvcbRdata(hex('0001 00 0003 0004 0035'))).toThrow(/runs past/);
    expect(() => decodeSvcbRdata(hex('0001 c00c'))).toThrow(/compressed/);
    expect(() => decodeSvcbRdata(hex('0001 00 0004 0003 c00002'))).toThrow(/ipv4hint/);
    expect(() => decodeSvcbRdata(hex('0001 00 0001 0002 0568'))).toThrow(/alpn/);
    expect(() => decodeSvcbRdata(hex('00'))).toThrow(/too short/);
  });
});

describe('SVCB/HTTPS comparison', () => {
  it('compares records semantically: key order and hint order do not matter, alpn order does', () => {
    const a = parseSvcbPresentation('1 . alpn="h3,h2" ipv4hint=192.0.2.2,192.0.2.1 ech=AEX+DQBB');
    const b = parseSvcbPresentation('1 . ipv4hint=192.0.2.1,192.0.2.2 ech=AEX+DQBB alpn=h3,h2');
    expect(sameSvcbRecords([a], [b])).toBe(true);
    expect(sameSvcbRecords([a], [parseSvcbPresentation('1 . alpn="h2,h3" ipv4hint=192.0.2.1,192.0.2.2 ech=AEX+DQBB')])).toBe(false);
    expect(sameSvcbRecords([a], [parseSvcbPresentation('1 . alpn="h3,h2" ipv4hint=192.0.2.1 ech=AEX+DQBB')])).toBe(false);
    expect(sameSvcbRecords([a], [a, parseSvcbPresentation('2 . alpn=h2')])).toBe(false);
  });
});
