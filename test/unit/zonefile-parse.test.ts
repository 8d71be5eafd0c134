import { describe, expect, it } from 'vitest';
import { ZoneSyntaxError } from '../../providers/zonefile/errors.js';
import { parseZone, type ParsedZone } from '../../providers/zonefile/parse.js';
import { recordSetsAt } from '../../providers/zonefile/zone-state.js';

/** Parses `text` as zone.db; `includes` maps $INCLUDE arguments to file contents. */
function parse(text: string, options: { origin?: string; includes?: Record<string, string> } = {}): ParsedZone {
  return parseZone({
    file: 'zone.db',
    text,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    readInclude: (pathText) => {
      const included = options.includes?.[pathText];
      if (included === undefined) throw new Error('no such file');
      return { file: pathText, text: included };
    },
  });
}

/** `owner ttl TYPE` of every record, in load order. */
function summary(zone: ParsedZone): string[] {
  return zone.records.map((r) => `${r.owner} ${r.ttl} ${r.type}${r.address ? ` ${r.address}` : ''}`);
}

const SOA = '@ IN SOA ns1 hostmaster 2024010100 7200 3600 1209600 300';

describe('zone file parser: tricky syntax', () => {
  it.each<[string, string, string[]]>([
    [
      'blank owner inherits the previous owner',
      `$ORIGIN example.com.\n$TTL 60\n${SOA}\n  IN NS ns1\nwww IN A 192.0.2.1\n    IN TXT "x"\n`,
      ['example.com 60 SOA', 'example.com 60 NS', 'www.example.com 60 A 192.0.2.1', 'www.example.com 60 TXT'],
    ],
    [
      'TTL and class in either order, class optional, case-insensitive types',
      `$ORIGIN example.com.\n$TTL 60\n${SOA}\na 300 IN A 192.0.2.1\nb IN 400 a 192.0.2.2\nc 500 aaaa 2001:DB8::0:1\nd in Type1 192.0.2.4\n`,
      ['example.com 60 SOA', 'a.example.com 300 A 192.0.2.1', 'b.example.com 400 A 192.0.2.2', 'c.example.com 500 AAAA 2001:db8::1', 'd.example.com 60 A 192.0.2.4'],
    ],
    [
      'absolute, relative and @ names; case-insensitive owners',
      `$ORIGIN Example.COM.\n$TTL 60\n${SOA}\nWWW.example.com. IN A 192.0.2.1\nwww IN AAAA 2001:db8::1\n@ IN A 192.0.2.9\n`,
      ['example.com 60 SOA', 'www.example.com 60 A 192.0.2.1', 'www.example.com 60 AAAA 2001:db8::1', 'example.com 60 A 192.0.2.9'],
    ],
    [
      'escapes in names',
      `$ORIGIN example.com.\n$TTL 60\n${SOA}\n\\119ww IN A 192.0.2.1\na\\.b IN A 192.0.2.2\n`,
      ['example.com 60 SOA', 'www.example.com 60 A 192.0.2.1', 'a\\.b.example.com 60 A 192.0.2.2'],
    ],
    [
      'comments and semicolons inside quotes',
      `$ORIGIN example.com. ; the zone\n$TTL 60 ; default\n${SOA} ; soa\n; a full-line comment\n@ IN TXT "v=spf1 ; not a comment" ; but this is\n@ IN A 192.0.2.1;comment right after\n`,
      ['example.com 60 SOA', 'example.com 60 TXT', 'example.com 60 A 192.0.2.1'],
    ],
    [
      'multi-line parentheses (SOA), with comments inside',
      `$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster (\n   2024010100 ; serial\n   7200 ; refresh\n   3600 1209600\n   300 )\n@ IN A ( 192.0.2.1 )\n`,
      ['example.com 60 SOA', 'example.com 60 A 192.0.2.1'],
    ],
    [
      '$ORIGIN changes mid-file (relative $ORIGIN too); blank owner survives it',
      `$ORIGIN example.com.\n$TTL 60\n${SOA}\nwww IN A 192.0.2.1\n$ORIGIN sub\n  IN TXT "still www"\nhost IN A 192.0.2.2\n`,
      ['example.com 60 SOA', 'www.example.com 60 A 192.0.2.1', 'www.example.com 60 TXT', 'host.sub.example.com 60 A 192.0.2.2'],
    ],
    [
      'TTL units',
      `$ORIGIN example.com.\n$TTL 1h\n${SOA}\na 1h30m IN A 192.0.2.1\nb 2W IN A 192.0.2.2\nc 1D2h IN A 192.0.2.3\nd 3000000000 IN A 192.0.2.4\n`,
      ['example.com 3600 SOA', 'a.example.com 5400 A 192.0.2.1', 'b.example.com 1209600 A 192.0.2.2', 'c.example.com 93600 A 192.0.2.3', 'd.example.com 0 A 192.0.2.4'],
    ],
    [
      'no $TTL, SOA without TTL: SOA MINIMUM becomes the default (RFC 2308)',
      `$ORIGIN example.com.\n${SOA}\na IN A 192.0.2.1\nb 60 IN A 192.0.2.2\nc IN A 192.0.2.3\n`,
      ['example.com 300 SOA', 'a.example.com 300 A 192.0.2.1', 'b.example.com 60 A 192.0.2.2', 'c.example.com 300 A 192.0.2.3'],
    ],
    [
      'no $TTL, SOA with a TTL: the last stated TTL carries over (RFC 1035)',
      `$ORIGIN example.com.\n@ 900 IN SOA ns1 hostmaster 1 2 3 4 300\na IN A 192.0.2.1\nb 60 IN A 192.0.2.2\nc IN A 192.0.2.3\n`,
      ['example.com 900 SOA', 'a.example.com 900 A 192.0.2.1', 'b.example.com 60 A 192.0.2.2', 'c.example.com 60 A 192.0.2.3'],
    ],
    [
      'RFC 3597 generic types and data',
      `$ORIGIN example.com.\n$TTL 60\n${SOA}\na IN TYPE1 \\# 4 C0000201\nb IN AAAA \\# 16 20010db8 00000000 00000000 00000001\n`,
      ['example.com 60 SOA', 'a.example.com 60 A 192.0.2.1', 'b.example.com 60 AAAA 2001:db8::1'],
    ],
    ['CRLF line endings and tabs', `$ORIGIN example.com.\r\n$TTL 60\r\n${SOA}\r\n@\tIN\tA\t192.0.2.1\r\n`, ['example.com 60 SOA', 'example.com 60 A 192.0.2.1']],
  ])('%s', (_what, text, expected) => {
    expect(summary(parse(text))).toEqual(expected);
  });

  it('takes the origin from settings, else the first $ORIGIN, else an absolute SOA owner', () => {
    expect(parse(`$TTL 60\n${SOA}\n`, { origin: 'example.org' }).origin).toBe('example.org');
    expect(parse(`$ORIGIN example.net.\n$TTL 60\n${SOA}\n`).origin).toBe('example.net');
    expect(parse(`$TTL 60\nExample.Com. IN SOA ns1 hostmaster 1 2 3 4 5\nwww IN A 192.0.2.1\n`).records[1]?.owner).toBe('www.example.com');
  });

  it('reads records from $INCLUDE files (with their own origin) and marks them as not editable', () => {
    const zone = parse(`$ORIGIN example.com.\n$TTL 60\n${SOA}\n$INCLUDE "hosts.db" sub.example.com.\nafter IN A 192.0.2.9\n`, {
      includes: { 'hosts.db': 'www IN A 192.0.2.1\n$TTL 120\n' },
    });
    expect(summary(zone)).toEqual(['example.com 60 SOA', 'www.sub.example.com 60 A 192.0.2.1', 'after.example.com 120 A 192.0.2.9']);
    expect(zone.records[1]?.placement).toBeUndefined();
    expect(zone.records[1]?.source).toEqual({ file: 'hosts.db', line: 1, via: 'include' });
    expect(zone.records[2]?.placement).toMatchObject({ firstLine: 4, lastLine: 4, ownerText: 'after' });
  });

  it('expands $GENERATE owners so a generated managed name is seen', () => {
    const zone = parse(`$ORIGIN example.com.\n$TTL 60\n${SOA}\n$GENERATE 1-3/2 host-\${0,3,d} A 192.0.2.$\n`);
    expect(summary(zone)).toEqual(['example.com 60 SOA', 'host-001.example.com 60 A', 'host-003.example.com 60 A']);
    expect(recordSetsAt(zone, 'host-001.example.com').conflict).toMatch(/\$GENERATE line \(zone\.db:4\)/);
  });

  it('keeps the SOA serial token and every entry line range', () => {
    const zone = parse(`$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster (\n   2024010100 ; serial\n   1 2 3 4 )\n`);
    expect(zone.soa.serial).toBe(2024010100);
    expect(zone.soa.serialToken).toMatchObject({ line: 3, start: 3, end: 13 });
    expect(zone.soa.record.placement).toMatchObject({ firstLine: 2, lastLine: 4 });
  });
});

describe('zone file parser: files it refuses, with file:line', () => {
  it.each<[string, string, RegExp]>([
    ['unbalanced open parenthesis', `$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster ( 1 2 3 4 5\n`, /^zone\.db:3: unbalanced parentheses/],
    ['closing parenthesis without opening', `$ORIGIN example.com.\n$TTL 60\n${SOA} )\n`, /^zone\.db:3: unbalanced parentheses/],
    ['quoted string over two lines', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n@ IN TXT "one\ntwo"\n`, /^zone\.db:4: unbalanced quotes/],
    ['bad A value', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n@ IN A 192.0.2.300\n`, /^zone\.db:4: not an IPv4 address/],
    ['IPv4 in an AAAA record', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n@ IN AAAA 192.0.2.1\n`, /^zone\.db:4: not an IPv6 address/],
    ['unknown type', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n@ IN 1h30 A 192.0.2.1\n`, /^zone\.db:4: unknown RR type '1h30'/],
    ['blank owner with no previous owner', `$ORIGIN example.com.\n$TTL 60\n  IN A 192.0.2.1\n${SOA}\n`, /^zone\.db:3: no current owner name/],
    ['relative name without any origin', `$TTL 60\n${SOA}\n`, /^zone\.db:2: '@' is relative but the origin is unknown/],
    ['no TTL anywhere', `$ORIGIN example.com.\na IN A 192.0.2.1\n${SOA}\n`, /^zone\.db:2: no TTL specified/],
    ['unknown directive', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n$FROB x\n`, /^zone\.db:4: unknown directive '\$FROB'/],
    ['a second SOA', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n${SOA}\n`, /^zone\.db:4: a second SOA record \(the first is at zone\.db:3\)/],
    ['no SOA', `$ORIGIN example.com.\n$TTL 60\n@ IN A 192.0.2.1\n`, /^zone\.db:1: the file has no SOA record/],
    ['non-IN class', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n@ CH TXT "x"\n`, /^zone\.db:4: class 'CH' is not IN/],
    ['empty label', `$ORIGIN example.com.\n$TTL 60\n${SOA}\na..b IN A 192.0.2.1\n`, /^zone\.db:4: empty label/],
    ['missing $INCLUDE file', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n$INCLUDE missing.db\n`, /^zone\.db:4: cannot read \$INCLUDE file 'missing\.db': no such file/],
    ['bad SOA serial', `$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster 4294967296 1 2 3 4\n`, /^zone\.db:3: bad SOA serial/],
    ['SOA not at the configured origin', `$ORIGIN example.com.\n$TTL 60\n${SOA}\n`, /^zone\.db:3: the SOA is at 'example\.com', not at the configured origin 'example\.org'/],
  ])('%s', (what, text, message) => {
    const origin = what === 'SOA not at the configured origin' ? 'example.org' : undefined;
    let thrown: unknown;
    try {
      parse(text, origin === undefined ? {} : { origin });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ZoneSyntaxError);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('record sets at a name', () => {
  const zone = parse(
    [
      '$ORIGIN example.com.',
      '$TTL 3600',
      SOA,
      '@ 300 IN A 192.0.2.2',
      '@ 600 IN A 192.0.2.1',
      '@ 600 IN A 192.0.2.1',
      '@ IN AAAA 2001:db8:0:0::1',
      '@ IN MX 10 mail',
      'www IN CNAME example.com.',
      'sub IN NS ns.elsewhere.net.',
      'host.sub IN A 192.0.2.7',
      'old IN DNAME new.example.net.',
      'x.old IN A 192.0.2.8',
      '',
    ].join('\n'),
  );

  it("reports A/AAAA values normalised and de-duplicated, with the TTL BIND serves (the first record's)", () => {
    expect(recordSetsAt(zone, 'example.com')).toEqual({ A: { ttl: 300, values: ['192.0.2.1', '192.0.2.2'] }, AAAA: { ttl: 3600, values: ['2001:db8::1'] } });
    const reversed = parse(['$ORIGIN example.com.', '$TTL 3600', SOA, '@ 600 IN A 192.0.2.1', '@ 300 IN A 192.0.2.2', ''].join('\n'));
    expect(recordSetsAt(reversed, 'example.com')).toEqual({ A: { ttl: 600, values: ['192.0.2.1', '192.0.2.2'] } });
  });

  it('reports a CNAME, a delegation and a DNAME as conflicts', () => {
    expect(recordSetsAt(zone, 'www.example.com')).toEqual({ conflict: 'a CNAME is at www.example.com (zone.db:9)' });
    expect(recordSetsAt(zone, 'host.sub.example.com').conflict).toMatch(/at or below the delegation to another zone at sub\.example\.com \(NS at zone\.db:10\)/);
    expect(recordSetsAt(zone, 'x.old.example.com').conflict).toMatch(/below a DNAME at old\.example\.com/);
  });

  it('reports nothing for a name without records', () => {
    expect(recordSetsAt(zone, 'nothing.example.com')).toEqual({});
  });
});
