import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSvcbPresentation, parseSvcbPresentation } from '../../src/dns/svcb.js';

/**
 * The SVCB/HTTPS presentation codec against BIND's own parser: every record BIND loads reads back
 * (through named-checkzone's canonical dump) as the same record we parsed, and every record we
 * print loads in BIND and reads back the same.
 */

const RECORDS = [
  '1 . alpn="h3,h2" ipv4hint=104.16.132.229,104.16.133.229 ipv6hint=2606:4700::6810:84e5',
  '1 . alpn=h2 ech=AEX+DQBBpQAgACB/bfoHyjM0eaqF port=8443',
  '0 pool.cdn.test.',
  '2 alt.cdn.test. alpn="h2" no-default-alpn mandatory=alpn',
  '3 . alpn="f\\\\\\\\oo\\\\,bar,h2"',
  '4 . key667="hello\\210qoo" dohpath="/dns-query{?dns}"',
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-svcb-bind-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The HTTPS RDATA of every record in the zone, as named-checkzone dumps it. */
function bindDump(lines: readonly string[]): string[] {
  const file = path.join(dir, `z${Math.random().toString(36).slice(2)}.zone`);
  writeFileSync(
    file,
    `$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n${lines.map((l, i) => `h${i} IN HTTPS ${l}`).join('\n')}\n`,
  );
  const dump = execFileSync('named-checkzone', ['-q', '-D', '-o', '-', 'example.com', file], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  });
  const byOwner = new Map<string, string>();
  for (const line of dump.split('\n')) {
    const m = /^h(\d+)\.example\.com\.\s+\d+\s+IN\s+HTTPS\s+(.*)$/.exec(line);
    if (m) byOwner.set(m[1]!, m[2]!);
  }
  return lines.map((_, i) => byOwner.get(String(i)) ?? '(missing)');
}

describe('HTTPS presentation: our codec and BIND read the same records', () => {
  it('every record BIND loads reads back through its dump as the record we parsed', () => {
    const dumped = bindDump(RECORDS);
    RECORDS.forEach((text, i) => {
      expect(parseSvcbPresentation(dumped[i]!), `${text} ← BIND: ${dumped[i]}`).toEqual(parseSvcbPresentation(text));
    });
  });

  it('every record we print loads in BIND and reads back the same', () => {
    const ours = RECORDS.map((text) => formatSvcbPresentation(parseSvcbPresentation(text)));
    const dumped = bindDump(ours);
    ours.forEach((text, i) => {
      expect(parseSvcbPresentation(dumped[i]!), text).toEqual(parseSvcbPresentation(text));
    });
  });
});
