import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { capabilitiesOf } from '../../providers/index.js';

/** The googleclouddns and azuredns settings as config load sees them, without either SDK. */
const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-cloud-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(provider: string, record = '{ name: example.com, target: lb.example.net }', env: Record<string, string> = {}) {
  const file = path.join(dir, `c${n++}.yaml`);
  writeFileSync(file, `resolver: { servers: ["127.0.0.1:5300"] }\nproviders:\n  p: ${provider}\nrecords:\n  - ${record}\n`);
  return loadConfig({ file, cwd: dir, env, resolvConf: '/nonexistent' });
}
function problemsOf(provider: string, record?: string, env?: Record<string, string>): string[] {
  try {
    load(provider, record, env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('googleclouddns settings', () => {
  it('needs a project, takes the optional fields, and declares zone atomicity with compare-and-swap', () => {
    const config = load('{ type: googleclouddns, project: my-project, managedZone: example-com, credentialsFile: /etc/key.json, endpoint: "https://dns.example.test" }');
    const settings = config.providers.p;
    expect(settings).toEqual({
      type: 'googleclouddns',
      project: 'my-project',
      managedZone: 'example-com',
      credentialsFile: '/etc/key.json',
      endpoint: 'https://dns.example.test',
      privateZones: false,
    });
    expect(capabilitiesOf(settings!)).toEqual({ atomicity: 'zone', compareAndSwap: true, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'] });
    // A relative key path is taken from the config file's folder, as a zone file's is.
    const relative = load('{ type: googleclouddns, project: my-project, credentialsFile: keys/gcp.json }');
    expect(relative.providers.p?.type === 'googleclouddns' && relative.providers.p.credentialsFile).toBe(path.join(dir, 'keys/gcp.json'));
    expect(problemsOf('{ type: googleclouddns }')).toEqual(['providers.p.project: Invalid input: expected string, received undefined']);
    expect(problemsOf('{ type: googleclouddns, project: p, endpoint: "http://127.0.0.1:1" }')).toEqual(['providers.p.endpoint: expected an https:// URL']);
  });
});

describe('azuredns settings', () => {
  it('keeps the client secret as a Secret, declares per-record-set atomicity with compare-and-swap', () => {
    const config = load('{ type: azuredns, subscriptionId: s, resourceGroup: rg, tenantId: t, clientId: c, clientSecret: "${AZ_SECRET}" }', undefined, {
      AZ_SECRET: 'az-SECRET-42',
    });
    const settings = config.providers.p;
    expect(settings?.type === 'azuredns' && settings.clientSecret?.reveal()).toBe('az-SECRET-42');
    expect(JSON.stringify(settings)).not.toContain('az-SECRET-42');
    expect(capabilitiesOf(settings!)).toEqual({ atomicity: 'rrset', compareAndSwap: true, ttl: { min: 1, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA'] });
  });

  it('refuses a client secret without its tenant and client, and never echoes the secret', () => {
    const problems = problemsOf('{ type: azuredns, subscriptionId: s, resourceGroup: rg, clientSecret: "${AZ_SECRET}" }', undefined, { AZ_SECRET: 'az-SECRET-42' });
    expect(problems).toEqual(['providers.p.clientSecret: clientSecret needs tenantId and clientId']);
    expect(problems.join('\n')).not.toContain('az-SECRET-42');
  });
});
