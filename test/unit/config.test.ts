import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(yaml: string, name = `c${n++}.yaml`): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfig({ file: write(yaml), cwd: dir, env, resolvConf: '/nonexistent' });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const minimal = `
resolver: { servers: ["127.0.0.1:5300"] }
providers:
  files: { type: zonefile, file: zones/example.com.zone }
records:
  - name: Example.COM.
    target: LB.Example.NET.
`;

describe('loadConfig', () => {
  it('applies defaults and normalises names', () => {
    const config = loadConfig({ file: write(minimal), cwd: dir, env: {} });
    expect(config.records).toEqual([
      {
        name: 'example.com',
        target: 'lb.example.net',
        provider: 'files',
        families: ['A', 'AAAA'],
        ttl: { kind: 'range', min: 60, max: 3600 },
        maxAddresses: 8,
        allowSpecialAddresses: false,
        allowEmpty: false,
        https: 'off',
      },
    ]);
    expect(config.resolver).toEqual({ servers: [{ host: '127.0.0.1', port: 5300 }], timeoutMs: 2000, attempts: 2 });
    // Relative zone file paths are taken from the config file's folder.
    expect(config.providers.files).toEqual({ type: 'zonefile', file: path.join(dir, 'zones/example.com.zone') });
    expect(config.schedule).toBe('*/5 * * * *');
    expect(config.server.listen).toEqual({ host: '127.0.0.1', port: 9797 });
  });

  it('interpolates ${VAR} and ${VAR:-default}, with .env under the real environment', () => {
    writeFileSync(path.join(dir, '.env'), 'CF_TOKEN=from-dotenv\nTARGET=dotenv.example.net\n');
    try {
      const file = write(`
resolver: { servers: ["\${DNS:-127.0.0.1}"], timeoutMs: 500 }
providers:
  cf: { type: cloudflare, apiToken: "\${CF_TOKEN}" }
defaults: { provider: cf, ttl: 300, families: [A] }
records:
  - { name: example.com, target: "\${TARGET}" }
`);
      const config = loadConfig({ file, cwd: dir, env: { TARGET: 'env.example.net' } });
      expect(config.records[0]!.target).toBe('env.example.net');
      expect(config.records[0]!.ttl).toEqual({ kind: 'fixed', ttl: 300, automatic: 1 });
      expect(config.resolver.servers).toEqual([{ host: '127.0.0.1', port: 53 }]);
      const cf = config.providers.cf!;
      expect(cf.type === 'cloudflare' && cf.apiToken.reveal()).toBe('from-dotenv');
      // The secret prints as [redacted] wherever the settings object goes.
      expect(JSON.stringify(config)).not.toContain('from-dotenv');
      expect(String(cf.type === 'cloudflare' && cf.apiToken)).toBe('[redacted]');
    } finally {
      rmSync(path.join(dir, '.env'));
    }
  });

  it('finds the file through $APEXSYNC_CONFIG', () => {
    const file = write(minimal, 'via-env.yaml');
    expect(loadConfig({ cwd: dir, env: { APEXSYNC_CONFIG: file } }).file).toBe(file);
  });

  const broken: Array<[string, string, Record<string, string>, string[]]> = [
    ['unset variable', minimal.replace('LB.Example.NET.', '${NOPE}'), {}, ['records[0].target: environment variable NOPE is not set']],
    ['bad target', minimal.replace('LB.Example.NET.', '"not a host"'), {}, ['records[0].target: not a hostname']],
    ['unknown field', minimal + '    colour: blue\n', {}, ["records[0]: unknown field 'colour'"]],
    [
      'unknown provider type',
      minimal.replace('type: zonefile', 'type: godaddy'),
      {},
      ['providers.files.type: unknown provider type; expected one of zonefile, rfc2136, route53, cloudflare, googleclouddns, azuredns, powerdns, lexicon'],
    ],
    ['unknown provider reference', minimal + '    provider: nope\n', {}, ["records[0].provider: no provider 'nope' under providers"]],
    ['bad family', minimal + '    families: [A, MX]\n', {}, ['records[0].families[1]: expected A or AAAA']],
    ['ttl range upside down', minimal + '    ttl: { min: 600, max: 60 }\n', {}, ['records[0].ttl: min is greater than max']],
    ['ttl not a number', minimal + '    ttl: soon\n', {}, ['records[0].ttl: expected a number of seconds or { min, max }']],
    ['bad server', minimal.replace('127.0.0.1:5300', 'dns.example:53'), {}, ['resolver.servers[0]: not an address (expected IP, IP:port or [IPv6]:port)']],
    ['bad ecs', minimal.replace('resolver: {', 'resolver: { ecs: 300.1.1.0/24,'), {}, ['resolver.ecs: not a CIDR prefix (e.g. 198.51.100.0/24)']],
    [
      'duplicate record',
      minimal + '  - { name: example.com, target: other.example.net }\n',
      {},
      ['records[1].name: example.com is already managed by records[0] with provider files'],
    ],
    ['target is the name', minimal.replace('LB.Example.NET.', 'example.com'), {}, ['records[0].target: is the managed name itself']],
    ['no records', minimal.replace(/records:[\s\S]*/, 'records: []\n'), {}, ['records: lists no record']],
    [
      'a provider id with a space',
      minimal.replace('  files: {', '  "my files": {').replace('target: LB.Example.NET.', 'target: LB.Example.NET.\n    provider: files'),
      {},
      ['providers.my files: provider ids use letters, digits, - and _'],
    ],
    ['a YAML alias inside its own anchor', minimal + 'loop: &x [*x]\n', {}, ['loop[0]: refers to itself (a YAML alias inside its own anchor)']],
    ['name outside zone', minimal + '    zone: example.org\n', {}, ['records[0].zone: example.com is not inside zone example.org']],
  ];
  it.each(broken)('reports %s as one line with its path', (_what, yaml, env, expected) => {
    expect(problemsOf(yaml, env)).toEqual(expected);
  });

  it('never echoes a secret in a problem', () => {
    const problems = problemsOf(
      `
providers:
  cf: { type: cloudflare, apiToken: "\${CF_TOKEN}", zoneId: 42 }
records:
  - { name: example.com, target: lb.example.net }
`,
      { CF_TOKEN: 'tok-SECRET-123' },
    );
    expect(problems.join('\n')).not.toContain('tok-SECRET-123');
    expect(problems).toEqual(['providers.cf.zoneId: Invalid input: expected string, received number']);
  });

  it('reports YAML syntax errors with file, line and column, without quoting the file', () => {
    const file = write('providers:\n  cf: { type: cloudflare, apiToken: "sekrit-TOKEN"\nrecords: [\n');
    try {
      loadConfig({ file, cwd: dir, env: {} });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) {
        expect(p).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
        expect(p).not.toContain('sekrit-TOKEN');
        expect(p).not.toContain('\n');
      }
    }
  });

  it('reports a missing file plainly', () => {
    expect(() => loadConfig({ file: path.join(dir, 'missing.yaml'), cwd: dir, env: {} })).toThrow(/missing\.yaml: cannot read config file \(no such file\)/);
  });
});

describe('provider capabilities checked at load', () => {
  const cloudflare = (records: string, defaults = ''): string => `
resolver: { servers: ["127.0.0.1:5300"] }
providers:
  cf: { type: cloudflare, apiToken: t }
${defaults}
records:
${records}
`;

  it('refuses a TTL the provider cannot hold, naming the field and what it accepts', () => {
    expect(problemsOf(cloudflare('  - { name: a.example.com, target: t.example.net, ttl: 10 }'))).toEqual([
      'records[0].ttl: provider cf cannot hold TTL 10; it accepts 60–86400 (or 1 = automatic)',
    ]);
    expect(problemsOf(cloudflare('  - { name: a.example.com, target: t.example.net, ttl: { min: 30, max: 100000 } }'))).toEqual([
      'records[0].ttl: provider cf cannot hold TTL 30 or 100000; it accepts 60–86400 (or 1 = automatic)',
    ]);
    expect(problemsOf(cloudflare('  - { name: a.example.com, target: t.example.net }', 'defaults: { ttl: 5 }'))).toEqual([
      'defaults.ttl: provider cf cannot hold TTL 5; it accepts 60–86400 (or 1 = automatic)',
    ]);
  });

  it("accepts the provider's automatic TTL and narrows the built-in range to what the provider holds", () => {
    const config = loadConfig({
      file: write(cloudflare('  - { name: a.example.com, target: t.example.net, ttl: 1 }\n  - { name: b.example.com, target: t.example.net }')),
      cwd: dir,
      env: {},
    });
    expect(config.records.map((r) => r.ttl)).toEqual([
      { kind: 'fixed', ttl: 1, automatic: 1 },
      { kind: 'range', min: 60, max: 3600, automatic: 1 },
    ]);
    const zonefile = loadConfig({ file: write(minimal.replace('target: LB.Example.NET.', 'target: LB.Example.NET.\n    ttl: 10')), cwd: dir, env: {} });
    expect(zonefile.records[0]!.ttl).toEqual({ kind: 'fixed', ttl: 10 });
  });

  it('looks provider ids up among the configured ones only (never inherited names)', () => {
    for (const id of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(problemsOf(cloudflare(`  - { name: a.example.com, target: t.example.net, provider: ${id} }`))).toEqual([`records[0].provider: no provider '${id}' under providers`]);
    }
  });
});

describe('https on a provider that cannot hold HTTPS records', () => {
  it('is a configuration error naming the field, for the record and for defaults', () => {
    const yaml = (records: string, defaults = ''): string => `
resolver: { servers: ["127.0.0.1:5300"] }
providers:
  az: { type: azuredns, subscriptionId: s, resourceGroup: g }
  files: { type: zonefile, file: zones/example.com.zone }
${defaults}
records:
${records}
`;
    expect(problemsOf(yaml('  - { name: a.example.com, target: t.example.net, provider: az, https: mirror }'))).toEqual([
      'records[0].https: provider az cannot write HTTPS records',
    ]);
    expect(problemsOf(yaml('  - { name: a.example.com, target: t.example.net, provider: az }', 'defaults: { https: alias }'))).toEqual([
      'defaults.https: provider az cannot write HTTPS records',
    ]);
    const config = loadConfig({ file: write(yaml('  - { name: a.example.com, target: t.example.net, provider: files, https: mirror }')), cwd: dir, env: {} });
    expect(config.records[0]!.https).toBe('mirror');
    expect(problemsOf(yaml('  - { name: a.example.com, target: t.example.net, provider: files, https: on }'))).toEqual(['records[0].https: expected off, mirror or alias']);
  });
});
