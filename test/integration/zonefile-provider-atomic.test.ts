import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/zonefile/index.js';
import type { Change } from '../../src/model.js';

/**
 * A write that fails must leave the original file byte for byte as it was, leave no temp file
 * behind, and run no reload. Real failures, no mocks: a read-only directory (refused when the temp
 * file is created), and — where the test can act as two users — a sticky directory in which the
 * rename over another user's file is refused (after the temp file was written).
 *
 * Root ignores directory permissions, so when the tests run as root the provider call runs with
 * the effective uid of `nobody` (this file runs in its own forked worker, and the uid is restored).
 */

const ZONE = '$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 2024010100 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.53\n@ 300 IN A 198.51.100.1\n';
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

let dir: string;
let zoneFile: string;
let reloadMarker: string;

const change: Change = { action: 'update', name: 'example.com', family: 'A', before: { ttl: 300, values: ['198.51.100.1'] }, after: { ttl: 60, values: ['93.184.216.34'] } };

async function applyAs(uid: number | undefined) {
  const provider = createProvider(
    { type: 'zonefile', file: zoneFile, reloadCommand: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(reloadMarker)}, 'ran')`] },
    { id: 'files', logger: pino({ level: 'silent' }) },
    { now: () => new Date('2026-11-22T12:00:00Z') },
  );
  const snapshot = { zone: 'example.com', records: new Map(), state: undefined };
  if (uid === undefined) return provider.apply(snapshot, [change], { targets: new Map() });
  process.seteuid!(uid);
  try {
    return await provider.apply(snapshot, [change], { targets: new Map() });
  } finally {
    process.seteuid!(0);
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-zonefile-atomic-'));
  zoneFile = path.join(dir, 'example.com.zone');
  reloadMarker = path.join(tmpdir(), `${path.basename(dir)}.reloaded`);
  writeFileSync(zoneFile, ZONE, { mode: 0o644 });
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
  rmSync(reloadMarker, { force: true });
});

describe('zonefile provider: failed writes', () => {
  it('a read-only directory: not applied, the file untouched, no temp file, no reload', async () => {
    chmodSync(dir, 0o555);
    const outcomes = await applyAs(isRoot ? NOBODY : undefined);
    expect(outcomes.get('example.com')).toEqual({
      status: 'not-applied',
      kind: 'error',
      message: `could not write ${zoneFile}: permission denied; the file is unchanged`,
    });
    expect(readFileSync(zoneFile, 'utf8')).toBe(ZONE);
    expect(readdirSync(dir)).toEqual(['example.com.zone']);
    expect(existsSync(reloadMarker)).toBe(false);
  });

  it('a failure after the temp file was written (rename refused, or create refused without root): the temp file is removed', async () => {
    if (isRoot) {
      // World-writable sticky directory, file owned by root: nobody may create and write its temp
      // file, but not rename it over root's file (EPERM at the very last step).
      chmodSync(dir, 0o1777);
      chmodSync(zoneFile, 0o666);
    } else {
      chmodSync(dir, 0o555);
    }
    const outcomes = await applyAs(isRoot ? NOBODY : undefined);
    expect(outcomes.get('example.com')).toMatchObject({
      status: 'not-applied',
      kind: 'error',
      message: expect.stringMatching(/^could not write .*: permission denied; the file is unchanged$/),
    });
    expect(readFileSync(zoneFile, 'utf8')).toBe(ZONE);
    expect(readdirSync(dir)).toEqual(['example.com.zone']);
    expect(existsSync(reloadMarker)).toBe(false);
  });

  it('the same apply succeeds once the directory is writable again (the failure was the write, not the data)', async () => {
    const outcomes = await applyAs(undefined);
    expect(outcomes.get('example.com')).toMatchObject({ status: 'applied' });
    expect(readFileSync(zoneFile, 'utf8')).toBe(ZONE.replace('2024010100', '2026112200').replace('@ 300 IN A 198.51.100.1', '@ 60 IN A 93.184.216.34'));
    expect(readdirSync(dir)).toEqual(['example.com.zone']);
    expect(readFileSync(reloadMarker, 'utf8')).toBe('ran');
  });
});
