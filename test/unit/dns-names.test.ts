/**
 * Names in the shared DNS codec (src/dns/names.ts): read from the wire into presentation format
 * (RFC 1035 §5.1), so that no byte of a label can become a control byte, a line break or an extra
 * label in what apexsync prints; and written back to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { encodeName, nameLabels, readName, skipName } from '../../src/dns/names.js';
import { QueryEncoder } from '../../src/dns/query.js';

/** A name on the wire from its labels' raw bytes. */
function wire(...labels: ReadonlyArray<string | readonly number[]>): Buffer {
  const parts = labels.map((label) => (typeof label === 'string' ? Buffer.from(label, 'latin1') : Buffer.from(label)));
  return Buffer.concat([...parts.flatMap((bytes) => [Buffer.from([bytes.length]), bytes]), Buffer.from([0])]);
}

function read(message: Buffer, offset = 0): string {
  const result = readName(message, offset);
  if (typeof result === 'string') throw new Error(result);
  return result.name;
}

const CONTROL_OR_NON_ASCII = /[^\x21-\x7e]/;

describe('readName: presentation format', () => {
  it.each([
    { what: 'a plain name, lower-cased', labels: ['WWW', 'Example', 'com'], text: 'www.example.com' },
    { what: 'CR, LF, backspace, ESC as \\DDD', labels: ['a\r\n\b\x1b[8m', 'test'], text: 'a\\013\\010\\008\\027[8m.test' },
    { what: 'a dot inside a label as \\.', labels: ['a.b', 'test'], text: 'a\\.b.test' },
    { what: 'a backslash as \\\\', labels: ['a\\b', 'test'], text: 'a\\\\b.test' },
    { what: 'space, DEL and bytes above 127 as \\DDD', labels: [[0x20, 0x7f, 0x80, 0xff], 'test'], text: '\\032\\127\\128\\255.test' },
    { what: 'zone-file specials escaped as BIND prints them', labels: ['"();@$', 'test'], text: '\\"\\(\\)\\;\\@\\$.test' },
    { what: 'UTF-8 look-alikes byte by byte (Cyrillic е, а)', labels: [[...Buffer.from('ехаmple', 'utf8')], 'com'], text: '\\208\\181\\209\\133\\208\\176mple.com' },
    { what: 'the root', labels: [], text: '.' },
  ])('$what', ({ labels, text }) => {
    const name = read(wire(...labels));
    expect(name).toBe(text);
    expect(name === '.' || !CONTROL_OR_NON_ASCII.test(name)).toBe(true);
  });

  it('every byte value comes out as printable ASCII, and reads back to the same byte', () => {
    for (let byte = 0; byte < 256; byte++) {
      const name = read(wire([byte], 'test'));
      expect(name, `byte ${byte}`).not.toMatch(CONTROL_OR_NON_ASCII);
      const lower = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
      expect([...nameLabels(name)![0]!], `byte ${byte}`).toEqual([lower]);
    }
  });

  it('follows compression pointers backwards only, and refuses names longer than 255 bytes', () => {
    const first = wire('edge', 'test');
    const pointer = Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0x00]); // "www" + pointer to offset 0
    expect(read(Buffer.concat([first, pointer]), first.length)).toBe('www.edge.test');
    expect(readName(Buffer.from([0xc0, 0x00]), 0)).toBe('name with a bad compression pointer');
    const long = wire(...Array.from({ length: 4 }, () => 'a'.repeat(63)));
    expect(readName(long, 0)).toBe('name too long');
    expect(skipName(Buffer.from([5, 0x61]), 0)).toBe(-1);
  });
});

describe('writing names back', () => {
  it.each([
    { text: 'www.example.com', bytes: wire('www', 'example', 'com') },
    { text: 'WWW.Example.com.', bytes: wire('www', 'example', 'com') },
    { text: 'a\\.b.test', bytes: wire('a.b', 'test') },
    { text: 'a\\013\\010\\008\\027[8m.test', bytes: wire('a\r\n\b\x1b[8m', 'test') },
    { text: 'a\\\\b.test', bytes: wire('a\\b', 'test') },
    { text: 'test.a\\\\.', bytes: wire('test', 'a\\') },
    { text: 'a\\.', bytes: wire('a.') },
    { text: '.', bytes: wire() },
  ])('encodeName($text) is the canonical wire form', ({ text, bytes }) => {
    expect(encodeName(text)).toEqual(bytes);
  });

  it.each(['a..b', `${'a'.repeat(64)}.test`, 'a\\', 'a\\25', 'a\\256.test', Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')])('refuses %s', (text) => {
    expect(nameLabels(text)).toBeUndefined();
    expect(() => encodeName(text)).toThrow(/not a valid DNS name/);
  });

  it('a query for a name read with escapes asks for the bytes that were read', () => {
    const encoder = new QueryEncoder({ recursionDesired: true });
    const read = 'x\\013\\027[8my.a\\.b.test';
    const query = encoder.encode(read, 'A')!;
    const name = readName(Buffer.from(query), 12);
    expect(name).toEqual({ name: read, end: 12 + wire('x\r\x1b[8my', 'a.b', 'test').length });
    expect(Buffer.from(query.subarray(12, 12 + wire('x\r\x1b[8my', 'a.b', 'test').length))).toEqual(wire('x\r\x1b[8my', 'a.b', 'test'));
    // RD=1, one question, no OPT record; QTYPE A, QCLASS IN after the name.
    expect([...query.subarray(2, 12)]).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect([...query.subarray(-4)]).toEqual([0, 1, 0, 1]);
  });
});
