import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/demo/main.js');

function runDemo(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No resolver of the machine, no network: the demo must bring everything it needs.
    const child = spawn(process.execPath, [DEMO], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The text of step `n` (from its heading to the next one). */
function step(stdout: string, n: number): string {
  const start = stdout.indexOf(`── ${n}. `);
  expect(start, `step ${n} in the output`).toBeGreaterThanOrEqual(0);
  const end = stdout.indexOf(`── ${n + 1}. `, start);
  return stdout.slice(start, end === -1 ? undefined : end);
}

describe('npm run demo', () => {
  it('shows the dry run, the sync, in sync, a target move and its sync, a broken target; exits 0 and leaves nothing behind', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).toBe('');
    expect(code).toBe(0);

    expect(step(stdout, 1)).toContain('A     shop.cdn.demo.test → CNAME edge-1.cdn.demo.test');
    expect(step(stdout, 1)).toContain('AAAA  addresses (ttl 300): 2001:db8:100::10');

    const dryRun = step(stdout, 2);
    expect(dryRun).toContain('~ A     300    192.0.2.10 → 198.51.100.10, 198.51.100.11');
    expect(dryRun).toContain('~ AAAA  300    2001:db8::10 → 2001:db8:100::10');
    expect(dryRun).toContain('Summary: 1 would update, 0 in sync, 0 failed (dry run: nothing was written)');

    const sync = step(stdout, 3);
    expect(sync).toContain('✓ applied (SOA serial 2026010100 → ');
    expect(sync).toContain('@ 300 IN A 198.51.100.11');
    expect(sync).toContain('@ 300 IN AAAA 2001:db8:100::10');

    expect(step(stdout, 4)).toContain('= unchanged');
    expect(step(stdout, 4)).toContain('Summary: 0 updated, 1 in sync, 0 failed');

    expect(step(stdout, 5)).toContain('AAAA  addresses (ttl 300): 2001:db8:200::20, 2001:db8:200::21');

    const follow = step(stdout, 6);
    expect(follow).toContain('~ A     300    198.51.100.10, 198.51.100.11 → 203.0.113.20');
    expect(follow).toContain('Summary: 1 updated, 0 in sync, 0 failed');
    expect(follow).toMatch(/@ 300 IN AAAA 2001:db8:200::21\n/);

    const broken = step(stdout, 7);
    expect(broken).toContain('Summary: 0 updated, 0 in sync, 1 failed');
    expect(broken).toContain('(exit 1)');
    // The records of step 6 are still there.
    expect(broken).toContain('@ 300 IN A 203.0.113.20');
    expect(broken).toContain('@ 300 IN AAAA 2001:db8:200::20');

    const folder = /\((?:demo finished: DNS server stopped, )(\S+) removed\)/.exec(stdout)?.[1];
    expect(folder).toMatch(/apexsync-demo-/);
    expect(fs.existsSync(folder!)).toBe(false);
  });
});
