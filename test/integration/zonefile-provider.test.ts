import { execFileSync } from 'node:child_process';
import { providerSession, type ProviderSession } from '../support/provider-session.js';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider, type ZonefileDependencies } from '../../providers/zonefile/index.js';
import type { ZonefileSettings } from '../../providers/zonefile/settings.js';
import { ProviderError } from '../../providers/types.js';
import type { Change } from '../../src/model.js';

/**
 * The zone-file adapter against real files in a temp directory. Every file it writes must load in
 * BIND (named-checkzone exits 0), and BIND must see exactly the same records as before except the
 * managed A/AAAA and the SOA serial.
 */

const ZONE = `; example.com — hand-written, comments must survive
$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1.example.com. hostmaster.example.com. (
        2024010100 ; serial (YYYYMMDDnn)
        7200 3600 1209600 300 )
    IN NS  ns1.example.com.
    IN NS  ns2.example.net.
    IN MX  10 mail.example.com.
    IN TXT "v=spf1 mx -all ; not a comment"
    IN CAA 0 issue "letsencrypt.org"
@   300 IN A 198.51.100.1
@   300 IN A 198.51.100.2   ; second frontend
    IN TXT "after the A lines"
ns1 IN A 192.0.2.53
mail IN A 192.0.2.25
www IN CNAME example.com.
shop 600 IN A 151.101.1.10
`;

const NOW = new Date('2026-11-22T12:00:00Z');
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let dir: string;
let zoneFile: string;
let logLines: string[];

function provider(settings: Partial<ZonefileSettings> = {}, dependencies: ZonefileDependencies = { now: () => NOW }): ProviderSession {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  return providerSession(createProvider({ type: 'zonefile', file: zoneFile, ...settings }, { id: 'files', logger }, dependencies), 'empty');
}

const zone = (): string => readFileSync(zoneFile, 'utf8');

/** Throws (failing the test) unless BIND loads the file. */
function checkzone(file = zoneFile, origin = 'example.com'): void {
  // cwd: named-checkzone takes $INCLUDE paths relative to it (named: relative to its `directory`).
  execFileSync('named-checkzone', ['-q', origin, file], { cwd: dir, env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin` } });
}

/** The records BIND loads from the file, one canonical line each (sorted by BIND). */
function bindRecords(file = zoneFile, origin = 'example.com'): string[] {
  const out = execFileSync('named-checkzone', ['-q', '-D', '-o', '-', origin, file], { cwd: dir, env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin` } });
  return out
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/\s+/g, ' '));
}

/** Lines of `after` not in `before` and lines of `before` not in `after` (multiset difference). */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const count = (lines: string[]) => lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const a = count(before.split('\n'));
  const b = count(after.split('\n'));
  const minus = (x: Map<string, number>, y: Map<string, number>) => [...x].flatMap(([l, n]) => Array<string>(Math.max(0, n - (y.get(l) ?? 0))).fill(l));
  return { removed: minus(a, b), added: minus(b, a) };
}

const update = (name: string, family: 'A' | 'AAAA', before: { ttl: number; values: string[] }, after: { ttl: number; values: string[] }): Change => ({
  action: 'update',
  name,
  family,
  before,
  after,
});
const create = (name: string, family: 'A' | 'AAAA', after: { ttl: number; values: string[] }): Change => ({ action: 'create', name, family, before: null, after });
const remove = (name: string, family: 'A' | 'AAAA', before: { ttl: number; values: string[] }): Change => ({ action: 'delete', name, family, before, after: null });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-zonefile-'));
  zoneFile = path.join(dir, 'example.com.zone');
  writeFileSync(zoneFile, ZONE);
  logLines = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('zonefile provider: findZone and read', () => {
  it('finds the zone from the file and refuses names outside it', async () => {
    const p = provider();
    expect(p.provider.capabilities).toEqual({ atomicity: 'zone', compareAndSwap: true, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'] });
    expect(await p.findZone('example.com')).toBe('example.com');
    expect(await p.findZone('deep.shop.example.com')).toBe('example.com');
    await expect(p.findZone('example.org')).rejects.toThrow(ProviderError);
    await expect(p.findZone('badexample.com')).rejects.toThrow(/badexample\.com is not in the zone example\.com/);
  });

  it('takes the origin from settings when the file has neither $ORIGIN nor an absolute SOA owner', async () => {
    writeFileSync(zoneFile, '$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n  IN NS ns1\nns1 IN A 192.0.2.1\n@ IN A 192.0.2.2\n');
    const p = provider({ origin: 'Example.COM.' });
    expect(await p.findZone('example.com')).toBe('example.com');
    expect((await p.read('example.com', ['example.com'])).get('example.com')).toEqual({ A: { ttl: 60, values: ['192.0.2.2'] } });
    await expect(provider().findZone('example.com')).rejects.toThrow(/example\.com\.zone:2: '@' is relative but the origin is unknown/);
  });

  it('reads A/AAAA sets, a CNAME as a conflict, and absent names as empty', async () => {
    const sets = await provider().read('example.com', ['example.com', 'www.example.com', 'shop.example.com', 'none.example.com']);
    expect([...sets.keys()]).toEqual(['example.com', 'www.example.com', 'shop.example.com', 'none.example.com']);
    expect(sets.get('example.com')).toEqual({ A: { ttl: 300, values: ['198.51.100.1', '198.51.100.2'] } });
    expect(sets.get('www.example.com')?.conflict).toMatch(/a CNAME is at www\.example\.com \(.*example\.com\.zone:17\)/);
    expect(sets.get('shop.example.com')).toEqual({ A: { ttl: 600, values: ['151.101.1.10'] } });
    expect(sets.get('none.example.com')).toEqual({});
  });

  it('a file it cannot parse is a ProviderError naming file:line; a missing file too', async () => {
    writeFileSync(zoneFile, ZONE.replace('shop 600 IN A 151.101.1.10', 'shop 600 IN A 151.101.1'));
    await expect(provider().read('example.com', ['example.com'])).rejects.toThrow(/example\.com\.zone:18: not an IPv4 address: '151\.101\.1'/);
    rmSync(zoneFile);
    await expect(provider().read('example.com', ['example.com'])).rejects.toThrow(/cannot read zone file .*example\.com\.zone: no such file/);
  });

  it('refuses to read a zone that is not the file’s', async () => {
    await expect(provider().read('example.org', ['example.org'])).rejects.toThrow(/zone example\.org is not the zone of/);
  });
});

describe('zonefile provider: apply', () => {
  it('updates, creates and deletes; only the managed lines and the serial change; BIND agrees', async () => {
    const p = provider();
    const bindBefore = bindRecords();
    const outcomes = await p.apply('example.com', [
      update('example.com', 'A', { ttl: 300, values: ['198.51.100.1', '198.51.100.2'] }, { ttl: 120, values: ['93.184.216.34'] }),
      create('example.com', 'AAAA', { ttl: 120, values: ['2606:2800:220:1:248:1893:25c8:1946'] }),
      remove('shop.example.com', 'A', { ttl: 600, values: ['151.101.1.10'] }),
      create('new.example.com', 'A', { ttl: 60, values: ['93.184.216.35'] }),
    ]);
    expect([...outcomes]).toEqual([
      ['example.com', { status: 'applied', detail: 'SOA serial 2024010100 → 2026112200' }],
      ['shop.example.com', { status: 'applied', detail: 'SOA serial 2024010100 → 2026112200' }],
      ['new.example.com', { status: 'applied', detail: 'SOA serial 2024010100 → 2026112200' }],
    ]);
    const text = zone();
    checkzone();
    expect(lineDiff(ZONE, text)).toEqual({
      removed: ['        2024010100 ; serial (YYYYMMDDnn)', '@   300 IN A 198.51.100.1', '@   300 IN A 198.51.100.2   ; second frontend', 'shop 600 IN A 151.101.1.10'],
      added: ['        2026112200 ; serial (YYYYMMDDnn)', '@ 120 IN A 93.184.216.34', '@ 120 IN AAAA 2606:2800:220:1:248:1893:25c8:1946', 'new.example.com. 60 IN A 93.184.216.35'],
    });
    // The update sits where the old A lines were; the new AAAA after the apex's last line.
    expect(text).toContain('@ 120 IN A 93.184.216.34\n    IN TXT "after the A lines"\n@ 120 IN AAAA 2606:2800:220:1:248:1893:25c8:1946\nns1 IN A');

    const managed = /^(example\.com\. \d+ IN (A|AAAA|SOA) |shop\.example\.com\. \d+ IN A |new\.example\.com\. )/;
    expect(bindRecords().filter((l) => !managed.test(l))).toEqual(bindBefore.filter((l) => !managed.test(l)));
    expect(bindRecords().filter((l) => managed.test(l))).toEqual([
      'example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112200 7200 3600 1209600 300',
      'example.com. 120 IN A 93.184.216.34',
      'example.com. 120 IN AAAA 2606:2800:220:1:248:1893:25c8:1946',
      'new.example.com. 60 IN A 93.184.216.35',
    ]);

    // What read() now says is exactly what was written.
    const sets = await p.read('example.com', ['example.com', 'shop.example.com', 'new.example.com']);
    expect(sets.get('example.com')).toEqual({ A: { ttl: 120, values: ['93.184.216.34'] }, AAAA: { ttl: 120, values: ['2606:2800:220:1:248:1893:25c8:1946'] } });
    expect(sets.get('shop.example.com')).toEqual({});
    expect(sets.get('new.example.com')).toEqual({ A: { ttl: 60, values: ['93.184.216.35'] } });
  });

  it('bumps the date serial once per apply: today 00, then nn + 1 the same day', async () => {
    const p = provider();
    await p.apply('example.com', [create('a.example.com', 'A', { ttl: 60, values: ['93.184.216.1'] }), create('b.example.com', 'A', { ttl: 60, values: ['93.184.216.2'] })]);
    expect(zone()).toContain('2026112200 ; serial');
    await p.apply('example.com', [remove('a.example.com', 'A', { ttl: 60, values: ['93.184.216.1'] })]);
    expect(zone()).toContain('2026112201 ; serial');
    checkzone();
  });

  it('an apply with nothing to change writes nothing and runs no reload', async () => {
    const marker = path.join(dir, 'reloads.log');
    const p = provider({ reloadCommand: [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(marker)}, 'x')`] });
    const before = statSync(zoneFile);
    expect((await p.apply('example.com', [])).size).toBe(0);
    expect(zone()).toBe(ZONE);
    expect(statSync(zoneFile).ino).toBe(before.ino);
    expect(existsSync(marker)).toBe(false);
  });

  it('compare-and-swap: a name edited by hand since the read is a conflict; the others still go', async () => {
    const p = provider();
    const read = await p.read('example.com', ['example.com', 'shop.example.com']);
    // Someone edits the apex by hand between read and apply.
    const manual = ZONE.replace('@   300 IN A 198.51.100.2   ; second frontend', '@   300 IN A 198.51.100.3   ; changed by hand');
    writeFileSync(zoneFile, manual);
    const apexBefore = read.get('example.com')?.A;
    const shopBefore = read.get('shop.example.com')?.A;
    if (apexBefore === undefined || shopBefore === undefined) throw new Error('fixture');
    const outcomes = await p.apply('example.com', [
      update('example.com', 'A', { ttl: apexBefore.ttl, values: [...apexBefore.values] }, { ttl: 120, values: ['93.184.216.34'] }),
      update('shop.example.com', 'A', { ttl: shopBefore.ttl, values: [...shopBefore.values] }, { ttl: 600, values: ['151.101.65.10'] }),
    ]);
    expect(outcomes.get('example.com')).toEqual({
      status: 'not-applied',
      kind: 'conflict',
      message: 'A at example.com changed since it was read (expected 300 198.51.100.1, 198.51.100.2, found 300 198.51.100.1, 198.51.100.3); nothing written for example.com',
    });
    expect(outcomes.get('shop.example.com')).toMatchObject({ status: 'applied' });
    const text = zone();
    checkzone();
    expect(lineDiff(manual, text)).toEqual({
      removed: ['        2024010100 ; serial (YYYYMMDDnn)', 'shop 600 IN A 151.101.1.10'],
      added: ['        2026112200 ; serial (YYYYMMDDnn)', 'shop 600 IN A 151.101.65.10'],
    });
  });

  it('compare-and-swap on TTL and on absence: a TTL edit or a record that appeared is a conflict, and nothing is written', async () => {
    writeFileSync(zoneFile, ZONE.replace('shop 600 IN A', 'shop 900 IN A'));
    const outcomes = await provider().apply('example.com', [
      update('shop.example.com', 'A', { ttl: 600, values: ['151.101.1.10'] }, { ttl: 600, values: ['151.101.65.10'] }),
      create('mail.example.com', 'A', { ttl: 60, values: ['93.184.216.9'] }),
    ]);
    expect(outcomes.get('shop.example.com')).toMatchObject({ status: 'not-applied', kind: 'conflict' });
    expect(outcomes.get('mail.example.com')).toMatchObject({ status: 'not-applied', kind: 'conflict', message: expect.stringMatching(/expected none, found 3600 192\.0\.2\.25/) });
    expect(zone()).toBe(ZONE.replace('shop 600 IN A', 'shop 900 IN A'));
  });

  it('never writes over a CNAME; refuses invalid values', async () => {
    const outcomes = await provider().apply('example.com', [
      create('www.example.com', 'A', { ttl: 60, values: ['93.184.216.34'] }),
      create('x.example.com', 'A', { ttl: 60, values: ['2001:db8::1'] }),
      create('y.example.com', 'AAAA', { ttl: -1, values: ['2001:db8::1'] }),
    ]);
    expect(outcomes.get('www.example.com')).toMatchObject({ status: 'not-applied', kind: 'rejected', message: expect.stringMatching(/^a CNAME is at www\.example\.com/) });
    expect(outcomes.get('x.example.com')).toMatchObject({ status: 'not-applied', kind: 'rejected', message: "'2001:db8::1' is not an IPv4 address (x.example.com)" });
    expect(outcomes.get('y.example.com')).toMatchObject({ status: 'not-applied', kind: 'rejected' });
    expect(zone()).toBe(ZONE);
  });

  it('refuses to edit records that live in an $INCLUDEd file, and says where they are', async () => {
    writeFileSync(path.join(dir, 'hosts.inc'), 'api IN A 192.0.2.80\n');
    const withInclude = `${ZONE}$INCLUDE hosts.inc\n`;
    writeFileSync(zoneFile, withInclude);
    checkzone();
    const p = provider();
    const sets = await p.read('example.com', ['api.example.com', 'example.com']);
    expect(sets.get('api.example.com')).toEqual({
      A: { ttl: 3600, values: ['192.0.2.80'] },
      conflict: `A records of api.example.com come from an $INCLUDEd file (${path.join(dir, 'hosts.inc')}:1); apexsync edits only records written in ${zoneFile}`,
    });
    expect(sets.get('example.com')?.conflict).toBeUndefined();
    const outcomes = await p.apply('example.com', [update('api.example.com', 'A', { ttl: 3600, values: ['192.0.2.80'] }, { ttl: 60, values: ['93.184.216.80'] })]);
    expect(outcomes.get('api.example.com')).toMatchObject({ status: 'not-applied', kind: 'rejected', message: expect.stringMatching(/\$INCLUDEd file/) });
    expect(zone()).toBe(withInclude);
    expect(readFileSync(path.join(dir, 'hosts.inc'), 'utf8')).toBe('api IN A 192.0.2.80\n');
  });

  it('refuses (and writes nothing) when a rewrite would change the TTL of other records (RFC 1035 inheritance)', async () => {
    const legacy = '$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN A 192.0.2.1\n  IN NS ns1\nns1 IN A 192.0.2.53\n';
    writeFileSync(zoneFile, legacy);
    const outcomes = await provider().apply('example.com', [update('example.com', 'A', { ttl: 3600, values: ['192.0.2.1'] }, { ttl: 60, values: ['93.184.216.34'] })]);
    expect(outcomes.get('example.com')).toMatchObject({
      status: 'not-applied',
      kind: 'rejected',
      // Seen at read time (so a dry run predicts it): the NS after the apex A inherits its TTL.
      message: expect.stringMatching(
        /has no \$TTL line and example\.com NS \(line 4\) takes its TTL from the record before it \(RFC 1035\), so rewriting example\.com could change it/,
      ),
    });
    expect(zone()).toBe(legacy);
  });

  it('keeps every byte it does not own: latin1 comments, CRLF, a missing final newline', async () => {
    const odd = Buffer.concat([
      Buffer.from('; caf\xe9 \xff\xfe bytes that are not UTF-8\r\n', 'latin1'),
      Buffer.from('$ORIGIN example.com.\r\n$TTL 60\r\n@ IN SOA ns1 hostmaster 7 1 2 3 4\r\n  IN NS ns1\r\nns1 IN A 192.0.2.1\r\n@ IN A 192.0.2.2'),
    ]);
    writeFileSync(zoneFile, odd);
    const outcomes = await provider().apply('example.com', [update('example.com', 'A', { ttl: 60, values: ['192.0.2.2'] }, { ttl: 60, values: ['93.184.216.34'] })]);
    expect(outcomes.get('example.com')).toMatchObject({ status: 'applied', detail: 'SOA serial 7 → 8' });
    const written = readFileSync(zoneFile);
    expect(written.equals(Buffer.from(odd.toString('latin1').replace(' 7 1 2 3 4', ' 8 1 2 3 4').replace('@ IN A 192.0.2.2', '@ 60 IN A 93.184.216.34\r\n'), 'latin1'))).toBe(true);
    checkzone();
  });

  it('keeps the file mode, writes through a symlink, and leaves no temp file behind', async () => {
    chmodSync(zoneFile, 0o640);
    const link = path.join(dir, 'current.zone');
    symlinkSync(zoneFile, link);
    const before = readdirSync(dir).sort();
    const p = providerSession(createProvider({ type: 'zonefile', file: link }, { id: 'files', logger: pino({ level: 'silent' }) }, { now: () => NOW }), 'empty');
    const outcomes = await p.apply('example.com', [create('new.example.com', 'A', { ttl: 60, values: ['93.184.216.35'] })]);
    expect(outcomes.get('new.example.com')).toMatchObject({ status: 'applied' });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(zoneFile).mode & 0o777).toBe(0o640);
    expect(zone()).toContain('new.example.com. 60 IN A 93.184.216.35\n');
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('zonefile provider: reloadCommand', () => {
  const recorder = (): { argv: string[]; log: string } => {
    const log = path.join(dir, 'reload-argv.jsonl');
    const script = path.join(dir, 'record-argv.mjs');
    writeFileSync(script, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
    return { argv: [process.execPath, script], log };
  };
  const change = create('new.example.com', 'A', { ttl: 60, values: ['93.184.216.35'] });

  it('runs once after the write, as an argv array without a shell', async () => {
    const { argv, log } = recorder();
    const pwned = path.join(dir, 'pwned');
    const args = ['reload', 'example.com; touch ' + pwned, `$(touch ${pwned})`, '`id`', 'it\'s "quoted"'];
    const outcomes = await provider({ reloadCommand: [...argv, ...args] }).apply('example.com', [change]);
    expect(outcomes.get('new.example.com')).toEqual({ status: 'applied', detail: 'SOA serial 2024010100 → 2026112200, reloaded' });
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs).toHaveLength(1);
    expect(JSON.parse(runs[0] as string)).toEqual(args);
    expect(existsSync(pwned)).toBe(false);
  });

  it('a failing reload leaves the write in place, fails the names (unconfirmed) and is owed until a reload succeeds', async () => {
    const failing = [process.execPath, '-e', "process.stderr.write('rndc: connect failed: 127.0.0.1#953: connection refused\\n'); process.exit(1)"];
    const first = provider({ reloadCommand: failing });
    const outcomes = await first.apply('example.com', [change]);
    expect(outcomes.get('new.example.com')).toEqual({
      status: 'unconfirmed',
      kind: 'error',
      message: `${zoneFile} is written (SOA serial 2024010100 → 2026112200), but the reload command failed (${process.execPath} exited with 1: rndc: connect failed: 127.0.0.1#953: connection refused); the server still serves the old records, and every run retries the reload until it succeeds`,
    });
    expect(zone()).toContain('new.example.com. 60 IN A 93.184.216.35');
    const warnings = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual(['the reload command failed; the server may still serve the old records (the reload is retried on every run)']);
    const owedFile = path.join(dir, `.${path.basename(zoneFile)}.reload-owed`);
    expect(existsSync(owedFile)).toBe(true);
    // The same round's heal does not run the reload a second time, but reports the failure.
    expect(await first.provider.heal!('example.com', false)).toMatch(/^the reload command failed \(.*connection refused\)/);

    // A restart (a new provider) still owes the reload: it fails again, then succeeds and is forgotten.
    expect(await provider({ reloadCommand: failing }).provider.heal!('example.com', false)).toMatch(/owed since \d{4}-/);
    const { argv, log } = recorder();
    const healed = provider({ reloadCommand: argv });
    expect(await healed.provider.heal!('example.com', false)).toBeUndefined();
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(owedFile)).toBe(false);
    // Nothing owed and not lagging: no reload; lagging: a reload.
    expect(await healed.provider.heal!('example.com', false)).toBeUndefined();
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await healed.provider.heal!('example.com', true)).toBeUndefined();
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('a missing reload program and a hung one are reported the same way', async () => {
    const missing = await provider({ reloadCommand: [path.join(dir, 'no-such-rndc'), 'reload'] }).apply('example.com', [change]);
    expect(missing.get('new.example.com')).toMatchObject({ status: 'unconfirmed', message: expect.stringMatching(/no-such-rndc: command not found/) });
    const hung = await provider({ reloadCommand: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], reloadTimeoutMs: 300 }).apply('example.com', [
      create('other.example.com', 'A', { ttl: 60, values: ['93.184.216.36'] }),
    ]);
    expect(hung.get('other.example.com')).toMatchObject({ status: 'unconfirmed', message: expect.stringMatching(/did not finish within 300 ms/) });
    checkzone();
  });
});

describe('the example zone file', () => {
  it('loads in BIND and takes an apex update', async () => {
    const example = readFileSync(path.join(REPO, 'examples/zones/example.com.zone'), 'utf8');
    writeFileSync(zoneFile, example);
    checkzone();
    const p = provider();
    expect(await p.findZone('example.com')).toBe('example.com');
    const current = (await p.read('example.com', ['example.com'])).get('example.com');
    expect(current?.A).toBeDefined();
    const changes: Change[] = [
      { action: 'update', name: 'example.com', family: 'A', before: current?.A ?? { ttl: 0, values: [] }, after: { ttl: 120, values: ['93.184.216.34'] } },
    ];
    expect((await p.apply('example.com', changes)).get('example.com')).toMatchObject({ status: 'applied' });
    checkzone();
    expect(lineDiff(example, zone()).removed).toHaveLength(1 + current!.A!.values.length);
  });
});
