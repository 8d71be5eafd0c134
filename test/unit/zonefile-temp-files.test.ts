import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomically } from '../../providers/zonefile/atomic-write.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('temp files left by a killed writer', () => {
  it('are removed by the next write once stale; fresh ones and other files are left alone', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'apexsync-temp-'));
    const target = path.join(dir, 'example.com.zone');
    writeFileSync(target, 'old\n');
    const stale = path.join(dir, '.example.com.zone.apexsync-4242-aaaaaaaaaaaa.tmp');
    const fresh = path.join(dir, '.example.com.zone.apexsync-4243-bbbbbbbbbbbb.tmp');
    const otherZone = path.join(dir, '.other.zone.apexsync-4244-cccccccccccc.tmp');
    for (const file of [stale, fresh, otherZone]) writeFileSync(file, 'half a zone');
    const hourAgo = (Date.now() - 3_600_000) / 1000;
    utimesSync(stale, hourAgo, hourAgo);
    utimesSync(otherZone, hourAgo, hourAgo);

    expect(await removeStaleTempFiles(target, Date.now())).toEqual([stale]);
    writeFileSync(stale, 'again');
    utimesSync(stale, hourAgo, hourAgo);
    await writeFileAtomically(target, Buffer.from('new\n'), { mode: 0o644, uid: process.getuid!(), gid: process.getgid!() });
    expect(readdirSync(dir).sort()).toEqual(['.example.com.zone.apexsync-4243-bbbbbbbbbbbb.tmp', '.other.zone.apexsync-4244-cccccccccccc.tmp', 'example.com.zone']);
  });
});
