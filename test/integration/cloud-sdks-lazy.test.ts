import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';

/**
 * The Google and Azure SDKs are loaded only by a configured provider of their type: the built CLI
 * runs with an ES module resolve hook that writes down every `@google-cloud/…` and `@azure/…`
 * package the program asks for.
 */
const HOOK = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (/^@(google-cloud|azure)\\//.test(specifier)) appendFileSync(process.env.APEXSYNC_TEST_IMPORTS, specifier + '\\n');
  return next(specifier, context);
}
`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(HOOK))});`;

let dns: TestDnsServer;
let dir: string;

beforeAll(async () => {
  dns = await startTestDnsServer();
  dns.setAddresses('lb.target.test', 'A', ['93.184.216.34'], 120);
  dir = mkdtempSync(path.join(tmpdir(), 'apexsync-lazy-'));
  writeFileSync(path.join(dir, 'example.com.zone'), '$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n');
});
afterAll(async () => {
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

async function importsOf(provider: string): Promise<string[]> {
  const imports = path.join(dir, `imports-${provider.split(':')[0]}.txt`);
  writeFileSync(imports, '');
  const config = path.join(dir, 'apexsync.yaml');
  writeFileSync(
    config,
    `resolver: { servers: ["${dns.address}"], timeoutMs: 500, attempts: 1 }\nproviders:\n  p: ${provider}\nrecords:\n  - { name: example.com, target: lb.target.test, families: [A] }\n`,
  );
  await runCli(['sync', '-c', config, '--dry-run'], {
    cwd: dir,
    env: { NODE_OPTIONS: `--import "data:text/javascript,${encodeURIComponent(REGISTER)}"`, APEXSYNC_TEST_IMPORTS: imports },
  });
  return [
    ...new Set(
      readFileSync(imports, 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
    ),
  ].sort();
}

describe('cloud SDKs are loaded lazily', () => {
  it('a zone-file config loads neither the Google nor the Azure SDK', async () => {
    expect(await importsOf('{ type: zonefile, file: example.com.zone }')).toEqual([]);
  });

  it('a googleclouddns provider loads the Google client only, an azuredns provider the Azure ones only', async () => {
    // Unreachable endpoints: the dry run fails at the zone lookup, after the SDK was loaded.
    const google = await importsOf('{ type: googleclouddns, project: p, credentialsFile: /nonexistent.json, endpoint: "https://127.0.0.1:9" }');
    expect(google).toEqual(['@google-cloud/dns']);
    const azure = await importsOf(
      '{ type: azuredns, subscriptionId: s, resourceGroup: rg, endpoint: "https://127.0.0.1:9", authorityHost: "https://127.0.0.1:9", tenantId: t, clientId: c, clientSecret: x }',
    );
    expect(azure.every((specifier) => specifier.startsWith('@azure/'))).toBe(true);
    expect(azure).toEqual(expect.arrayContaining(['@azure/arm-dns', '@azure/identity']));
  });
});
