import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZoneFile } from '../../providers/zonefile/load.js';

/**
 * The parser must see what BIND serves: for tricky files, every record's owner, TTL and type as
 * apexsync reads them must equal named-checkzone's own dump (-D). This pins the TTL inheritance
 * rules (RFC 1035 last-stated TTL, RFC 2308 SOA minimum, $TTL), owners inherited across $ORIGIN
 * and $INCLUDE, escapes, units and $GENERATE to the real implementation.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-zonefile-bind-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FIXTURES: Record<string, { zone: string; includes?: Record<string, string> }> = {
  'no $TTL, SOA with TTL: RFC 1035 last stated TTL': {
    zone: '$ORIGIN example.com.\n@ 900 IN SOA ns1 hostmaster 1 2 3 4 300\n  IN NS ns1\nns1 60 IN A 192.0.2.1\na IN A 192.0.2.2\n@ IN AAAA 2001:db8::1\n',
  },
  'no $TTL, SOA without TTL: SOA minimum is the default': {
    zone: '$ORIGIN example.com.\n@ IN SOA ns1 hostmaster 1 2 3 4 300\n  IN NS ns1\nns1 60 IN A 192.0.2.1\na IN A 192.0.2.2\n',
  },
  '$TTL set late, and changed': {
    zone: '$ORIGIN example.com.\n@ 900 IN SOA ns1 hostmaster 1 2 3 4 300\n  IN NS ns1\n$TTL 1h30m\nns1 IN A 192.0.2.1\n$TTL 2d\na IN A 192.0.2.2\nb 1W IN A 192.0.2.3\nc IN A 192.0.2.4\n',
  },
  'blank owners across $ORIGIN and $INCLUDE; $TTL from the included file carries on': {
    zone: '$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 300\n  IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.2\n$ORIGIN sub.example.com.\n  IN TXT "still www"\n$INCLUDE inc.db\n  IN AAAA 2001:db8::2\nhost IN A 192.0.2.3\n',
    includes: { 'inc.db': 'x IN A 192.0.2.9\n$TTL 120\ny IN A 192.0.2.10\n' },
  },
  '$INCLUDE with its own origin': {
    zone: '$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n$INCLUDE "hosts.db" hosts.example.com.\nafter IN A 192.0.2.5\n',
    includes: { 'hosts.db': 'a IN A 192.0.2.6\n@ IN TXT "hosts apex"\n' },
  },
  'escapes, case, class/TTL order, parentheses, comments, quotes': {
    zone: '$ORIGIN Example.COM.\n$TTL 60\n@ IN SOA ns1 hostmaster (\n 1 ; serial\n 2 3 4 300 )\n  IN NS ns1\nNS1 IN A 192.0.2.1\n\\119ww 300 in a 192.0.2.2\nWWW IN 400 TXT "semi ; colon" ; comment\nmail IN MX ( 10\n  ns1 )\n',
  },
  '$GENERATE': {
    zone: '$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n$GENERATE 1-5/2 host-${0,3,d} A 192.0.2.$\n  IN TXT "owner is still ns1"\n$GENERATE 10-11 h$.x 300 IN A 192.0.2.$\n$GENERATE 10-11 \\$a$ A 192.0.2.$\n',
  },
};

describe('the zone file parser agrees with BIND', () => {
  it.each(Object.entries(FIXTURES))('%s', async (name, fixture) => {
    const sub = mkdtempSync(path.join(dir, 'case-'));
    const file = path.join(sub, 'zone.db');
    writeFileSync(file, fixture.zone);
    for (const [includeName, text] of Object.entries(fixture.includes ?? {})) writeFileSync(path.join(sub, includeName), text);

    const dump = execFileSync('named-checkzone', ['-q', '-D', '-o', '-', 'example.com', file], { cwd: sub, env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin` } });
    const bind = dump
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [owner = '', ttl = '', , type = ''] = line.split(/\s+/);
        return `${owner.toLowerCase().replace(/\.$/, '')} ${ttl} ${type}`;
      })
      .sort();
    const ours = (await loadZoneFile(file, undefined)).zone.records.map((r) => `${r.owner} ${r.ttl} ${r.type}`).sort();
    expect(ours, name).toEqual(bind);
    expect(ours.length).toBeGreaterThan(2);
  });
});
