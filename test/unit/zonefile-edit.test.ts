import { describe, expect, it } from 'vitest';
import { EditError, editZone, type RRsetEdit } from '../../providers/zonefile/edit.js';
import { parseZone, type ParsedZone } from '../../providers/zonefile/parse.js';
import { findUnintendedChange } from '../../providers/zonefile/verify.js';

function parse(text: string, includes: Record<string, string> = {}): ParsedZone {
  return parseZone({
    file: 'zone.db',
    text,
    readInclude: (p) => {
      const included = includes[p];
      if (included === undefined) throw new Error('no such file');
      return { file: p, text: included };
    },
  });
}

/** Edits `text`, checks the read-back guard agrees, and returns the new text. */
function edit(text: string, edits: RRsetEdit[], serial = 2026112200): string {
  const before = parse(text);
  const after = editZone(before, edits, serial);
  expect(findUnintendedChange(before, parse(after), edits, serial)).toBeUndefined();
  return after;
}

const HEAD = '$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 2024010100 7200 3600 1209600 300\n';
const NEW_HEAD = HEAD.replace('2024010100', '2026112200');

describe('zone file editor', () => {
  it('replaces an RRset in place, reusing the owner field and the tab separator', () => {
    const text = `${HEAD}@\tIN\tMX\t10 mail\n@\t300\tIN\tA\t192.0.2.1 ; old address\nwww\tIN\tA\t192.0.2.9\n`;
    expect(edit(text, [{ name: 'example.com', family: 'A', after: { ttl: 120, values: ['198.51.100.1', '198.51.100.2'] } }])).toBe(
      `${NEW_HEAD}@\tIN\tMX\t10 mail\n@\t120\tIN\tA\t198.51.100.1\n@\t120\tIN\tA\t198.51.100.2\nwww\tIN\tA\t192.0.2.9\n`,
    );
  });

  it('removes the other lines of the RRset, wherever they are, and keeps blank-owner neighbours right', () => {
    const text = `${HEAD}@ IN A 192.0.2.1\n  IN MX 10 mail\n  IN A 192.0.2.2\n  IN TXT "t"\nwww IN A 192.0.2.9\n`;
    expect(edit(text, [{ name: 'example.com', family: 'A', after: { ttl: 60, values: ['198.51.100.7'] } }])).toBe(
      `${NEW_HEAD}@ 60 IN A 198.51.100.7\n  IN MX 10 mail\n  IN TXT "t"\nwww IN A 192.0.2.9\n`,
    );
  });

  it('deleting the line that named the owner restates the owner on the next blank-owner line', () => {
    const text = `${HEAD}www IN A 192.0.2.1\n    IN MX 10 mail ; keeps its comment\nftp IN A 192.0.2.2\n`;
    expect(edit(text, [{ name: 'www.example.com', family: 'A', after: null }])).toBe(`${NEW_HEAD}www    IN MX 10 mail ; keeps its comment\nftp IN A 192.0.2.2\n`);
  });

  it('restates with the absolute name when the owner was named under another $ORIGIN', () => {
    const text = `${HEAD}www IN A 192.0.2.1\n$ORIGIN sub.example.com.\n    IN MX 10 mail\n`;
    expect(edit(text, [{ name: 'www.example.com', family: 'A', after: null }])).toBe(`${NEW_HEAD}$ORIGIN sub.example.com.\nwww.example.com.    IN MX 10 mail\n`);
  });

  it('creates a new RRset after the last line of the same owner', () => {
    const text = `${HEAD}@ IN A 192.0.2.1\n  IN MX 10 mail\nwww IN A 192.0.2.9\n`;
    expect(edit(text, [{ name: 'example.com', family: 'AAAA', after: { ttl: 300, values: ['2001:db8::1'] } }])).toBe(
      `${NEW_HEAD}@ IN A 192.0.2.1\n  IN MX 10 mail\n@ 300 IN AAAA 2001:db8::1\nwww IN A 192.0.2.9\n`,
    );
  });

  it('creates a name without records at the end, absolute; adds the missing final newline first', () => {
    const text = `${HEAD}www IN A 192.0.2.9`;
    expect(edit(text, [{ name: 'new.example.com', family: 'A', after: { ttl: 60, values: ['198.51.100.1'] } }])).toBe(
      `${NEW_HEAD}www IN A 192.0.2.9\nnew.example.com. 60 IN A 198.51.100.1\n`,
    );
  });

  it('writes CRLF lines into a CRLF file', () => {
    const text = `${HEAD}@ IN A 192.0.2.1\n`.replaceAll('\n', '\r\n');
    expect(
      edit(text, [
        { name: 'example.com', family: 'A', after: { ttl: 60, values: ['198.51.100.1'] } },
        { name: 'example.com', family: 'AAAA', after: { ttl: 60, values: ['2001:db8::2'] } },
      ]),
    ).toBe(`${NEW_HEAD}@ 60 IN A 198.51.100.1\n@ 60 IN AAAA 2001:db8::2\n`.replaceAll('\n', '\r\n'));
  });

  it('replaces every physical line of a multi-line record', () => {
    const text = `${HEAD}@ IN A (\n    192.0.2.1 ; spread out\n  )\n@ IN TXT "x"\n`;
    expect(edit(text, [{ name: 'example.com', family: 'A', after: { ttl: 60, values: ['198.51.100.1'] } }])).toBe(`${NEW_HEAD}@ 60 IN A 198.51.100.1\n@ IN TXT "x"\n`);
  });

  it('changes only the digits of the serial in a multi-line SOA', () => {
    const text = '$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster (\n\t2024010100 ; serial\n\t7200 3600 1209600 300 )\n@ IN A 192.0.2.1\n';
    expect(edit(text, [{ name: 'example.com', family: 'A', after: null }], 4294967295)).toBe(
      '$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster (\n\t4294967295 ; serial\n\t7200 3600 1209600 300 )\n',
    );
  });

  it('the read-back guard catches a file that relies on RFC 1035 TTL inheritance', () => {
    const text = '$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN A 192.0.2.1\n  IN NS ns1\n';
    const before = parse(text);
    const edits: RRsetEdit[] = [{ name: 'example.com', family: 'A', after: { ttl: 60, values: ['198.51.100.1'] } }];
    const after = editZone(before, edits, 2);
    expect(findUnintendedChange(before, parse(after), edits, 2)).toMatch(
      /^example\.com NS \(zone\.db:4\) would change from 'example\.com 3600 NS ns1' to 'example\.com 60 NS ns1'/,
    );
  });

  it('refuses when the SOA lives in an included file', () => {
    const zone = parse('$ORIGIN example.com.\n$TTL 60\n$INCLUDE soa.db\n@ IN A 192.0.2.1\n', { 'soa.db': '@ IN SOA ns1 hostmaster 1 2 3 4 5\n' });
    expect(() => editZone(zone, [{ name: 'example.com', family: 'A', after: null }], 2)).toThrow(EditError);
  });
});
