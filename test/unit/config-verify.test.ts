import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-config-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function load(yaml: string): ReturnType<typeof loadConfig> {
  const file = path.join(dir, `c${n++}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, cwd: dir, env: {}, resolvConf: '/nonexistent' });
}

function problemsOf(yaml: string): string[] {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const records = `
records:
  - { name: example.com, target: lb.example.net, provider: files }
`;

describe('verify settings', () => {
  it('defaults to require with a 60 s timeout and the NS set; an RFC 2136 primary is always asked', () => {
    const config = load(`
resolver: { servers: ["127.0.0.1:5300"] }
providers:
  files: { type: zonefile, file: z.zone }
  primary: { type: rfc2136, server: "10.0.0.53:5353" }
${records}`);
    expect(config.verify).toEqual({
      files: { timeoutMs: 60_000, mode: 'require', always: [] },
      primary: { timeoutMs: 60_000, mode: 'require', always: [{ host: '10.0.0.53', port: 5353 }] },
    });
  });

  it('takes the top-level block as the default of every provider, each field overridable', () => {
    const config = load(`
resolver: { servers: ["127.0.0.1:5300"] }
verify: { timeout: 2m, mode: report, servers: ["ns1.example.net", "192.0.2.53:5300"] }
providers:
  files: { type: zonefile, file: z.zone, verify: { mode: off } }
  cf: { type: cloudflare, apiToken: t, verify: { servers: ["[2001:db8::53]:53"], timeout: 90 } }
${records}`);
    expect(config.verify.files).toEqual({ servers: ['ns1.example.net', '192.0.2.53:5300'], timeoutMs: 120_000, mode: 'off', always: [] });
    expect(config.verify.cf).toEqual({ servers: ['[2001:db8::53]:53'], timeoutMs: 90_000, mode: 'report', always: [] });
  });

  it('names the field of a bad verify block', () => {
    const problems = problemsOf(`
resolver: { servers: ["127.0.0.1:5300"] }
verify: { mode: sometimes }
providers:
  files: { type: zonefile, file: z.zone, verify: { servers: ["ns1.example.net:99999"], timeout: soon, retries: 3 } }
${records}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'verify.mode: expected require, report or off',
        expect.stringMatching(/^providers\.files\.verify\.servers\[0\]: expected host or host:port/),
        expect.stringMatching(/^providers\.files\.verify\.timeout: expected a duration/),
        "providers.files.verify: unknown field 'retries'",
      ]),
    );
  });
});
