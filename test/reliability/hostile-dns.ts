import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sortAddresses } from '../../src/addresses.js';
import type { Family } from '../../src/model.js';
import { createResolver } from '../../src/resolve/index.js';
import type { FamilyResolution } from '../../src/resolve/types.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { ledger } from '../support/faults/ledger.js';
import { canonical, loadZoneWithBind, published, type Published, type PublishedSet } from '../support/faults/published.js';
import { recordedCli } from '../support/faults/recorded-cli.js';
import { HOSTILE_CASES, TIMEOUT_MS, type FamilyExpectation, type HostileCase } from './hostile-dns-cases.js';

/**
 * Every hostile answer is checked twice: in process, that the resolver puts it
 * in the class docs/design/resolution.md prescribes (addresses / empty / failure, with the reason); then
 * through the built CLI, all cases in one `sync` against one zone file (one record per case),
 * that the file holds exactly what docs/design/planning.md allows for each — nothing else moved, and BIND still loads
 * it. Each case counts as one injected fault, survived only when both checks hold.
 */

const FAMILIES: readonly Family[] = ['A', 'AAAA'];
/** C0 and C1 control bytes other than the line feed that ends each line, and DEL. */
const CONTROL_BYTES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const target = (c: HostileCase): string => `${c.id}.hostile.test`;
const owner = (index: number): string => `h${index}.example.com`;
const oldState = (index: number): Published => published({ ttl: 300, values: [`45.60.${index}.1`] }, { ttl: 300, values: [`2a00:1450:4000::${(index + 1).toString(16)}`] });

function zoneText(): string {
  const lines = ['$ORIGIN example.com.', '$TTL 3600', '@ IN SOA ns1 hostmaster 2024010100 7200 3600 1209600 300', '@ IN NS ns1', 'ns1 IN A 192.0.2.53'];
  HOSTILE_CASES.forEach((_, i) => {
    const state = oldState(i);
    lines.push(`h${i} 300 IN A ${state.A!.values[0]}`, `h${i} 300 IN AAAA ${state.AAAA!.values[0]}`);
  });
  return `${lines.join('\n')}\n`;
}

function checkClass(c: HostileCase, family: Family, result: FamilyResolution): void {
  const want: FamilyExpectation = c[family];
  const where = `${c.id} ${family}`;
  expect(result.kind, `${where}: ${JSON.stringify(result)}`).toBe(want.class);
  if (result.kind === 'failure' && want.reason) expect(result.reason, where).toMatch(want.reason);
  if (result.kind === 'failure') expect(result.cause, where).toBe(want.cause);
  if (result.kind === 'addresses') {
    if (want.addresses) expect(result.addresses, where).toEqual(sortAddresses(want.addresses));
    if (want.addressCount !== undefined) expect(result.addresses.length, where).toBe(want.addressCount);
    if (want.ttl !== undefined) expect(result.ttl, where).toBe(want.ttl);
  }
}

/** The family's published state after sync, as the case allows it. */
function checkPublished(c: HostileCase, family: Family, before: PublishedSet | undefined, after: PublishedSet | undefined): void {
  const want = c[family].publish;
  const where = `${c.id} ${family}`;
  if (want === 'unchanged') expect(after, where).toEqual(before);
  else if (want === 'deleted') expect(after, where).toBeUndefined();
  else if ('pick' in want) {
    expect(after?.ttl, where).toBe(want.ttl);
    expect(after?.values.length, where).toBe(want.pick);
    for (const value of after?.values ?? []) expect(want.from, where).toContain(value);
  } else {
    expect(canonical(published(family === 'A' ? after : undefined, family === 'AAAA' ? after : undefined)), where).toBe(
      canonical(published(family === 'A' ? want : undefined, family === 'AAAA' ? want : undefined)),
    );
  }
  if (after === undefined && want !== 'deleted') {
    ledger.recordLost();
    throw new Error(`${where}: the record lost its ${family} set`);
  }
}

export function hostileDnsSuite(): void {
  describe('hostile DNS', () => {
    let dns: TestDnsServer;
    let dir: string;
    let configFile: string;
    let zoneFile: string;
    /** Per case: the in-process classification failure, or null when it held. */
    const classified = new Map<string, unknown>();

    beforeAll(async () => {
      dns = await startTestDnsServer();
      for (const c of HOSTILE_CASES) c.setup(dns, target(c));
      dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-hostile-'));
      zoneFile = path.join(dir, 'example.com.zone');
      configFile = path.join(dir, 'apexsync.yaml');
      writeFileSync(zoneFile, zoneText());
      writeFileSync(
        configFile,
        [
          `resolver: { servers: ["${dns.address}"], timeoutMs: ${TIMEOUT_MS}, attempts: 1 }`,
          'providers:',
          '  files: { type: zonefile, file: example.com.zone }',
          'records:',
          ...HOSTILE_CASES.map((c, i) => `  - { name: ${owner(i)}, target: ${target(c)} }`),
          '',
        ].join('\n'),
      );
    });
    afterAll(async () => {
      await dns.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`classifies all ${HOSTILE_CASES.length} hostile answers as docs/design/resolution.md says (in process)`, async () => {
      const resolver = createResolver({ servers: [{ host: dns.host, port: dns.port }], timeoutMs: TIMEOUT_MS, attempts: 1 });
      await Promise.all(
        HOSTILE_CASES.map(async (c) => {
          try {
            const results = await Promise.all(FAMILIES.map((family) => resolver.resolve(target(c), family)));
            FAMILIES.forEach((family, i) => {
              checkClass(c, family, results[i]!);
            });
            classified.set(c.id, null);
          } catch (error) {
            classified.set(c.id, error);
          }
        }),
      );
      const wrong = [...classified].filter(([, error]) => error !== null);
      expect(wrong.map(([id, error]) => `${id}: ${String(error)}`)).toEqual([]);
    });

    it('through the built CLI and a zone file: none changes a record wrongly, BIND still loads the file', async () => {
      const before = await loadZoneWithBind('example.com', zoneFile);
      expect(before.ok, before.output).toBe(true);
      const result = await recordedCli('cli sync (hostile DNS)', ['sync', '-c', configFile, '--output', 'json'], { cwd: dir });
      ledger.record('cli sync (hostile DNS) json', result.stdout);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('');
      const report = JSON.parse(result.stdout) as { records: Array<{ name: string; status: string; error: { kind: string; message: string } | null }> };
      const after = await loadZoneWithBind('example.com', zoneFile);
      expect(after.ok, after.output).toBe(true);

      const problems: string[] = [];
      for (const [i, c] of HOSTILE_CASES.entries()) {
        await ledger
          .fault(
            'hostile DNS',
            async () => {
              const classification = classified.get(c.id);
              if (classification !== null) throw new Error(`classification: ${String(classification)}`);
              const now = after.names.get(owner(i)) ?? {};
              for (const family of FAMILIES) checkPublished(c, family, oldState(i)[family], now[family]);
              const entry = report.records.find((r) => r.name === owner(i));
              const shouldFail = FAMILIES.some((f) => c[f].publish === 'unchanged');
              expect(entry?.status, c.id).toBe(shouldFail ? 'failed' : 'updated');
              for (const family of FAMILIES) {
                const reason = c[family].reason;
                if (reason) expect(entry?.error?.message, `${c.id} ${family}`).toMatch(reason);
              }
              // Both families of a failing case fail the same way: the record's error carries that kind.
              if (c.A.cause !== undefined) expect(entry?.error?.kind, c.id).toBe(c.A.cause);
            },
            { label: `hostile DNS ${c.id} (${c.what})` },
          )
          .catch((error: unknown) => problems.push(`${c.id} (${c.what}): ${error instanceof Error ? error.message : String(error)}`));
      }
      expect(problems).toEqual([]);
      // Only the managed names and the serial moved: every other line is byte-identical.
      const untouched = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !/^h\d+ /.test(line) && !/SOA/.test(line));
      expect(untouched(readFileSync(zoneFile, 'utf8'))).toEqual(untouched(zoneText()));
    });

    it('a second sync changes nothing: the 1 000-address pick is stable, failures stay failures', async () => {
      const first = readFileSync(zoneFile, 'utf8');
      const result = await recordedCli('cli sync (hostile DNS, again)', ['sync', '-c', configFile], { cwd: dir });
      expect(result.code).toBe(1);
      const updated = HOSTILE_CASES.filter((c) => FAMILIES.every((f) => c[f].publish !== 'unchanged')).length;
      expect(result.stdout).toContain(`Summary: 0 updated, ${updated} in sync, ${HOSTILE_CASES.length - updated} failed`);
      expect(readFileSync(zoneFile, 'utf8')).toBe(first);
      // The forged CNAME labels reach the report escaped: no control byte, no second summary line.
      expect(result.stdout).toContain('asking for x\\013\\027[8my.a\\010');
      expect(result.stdout).not.toMatch(CONTROL_BYTES);
      expect(result.stdout.split('\n').filter((line) => /^\s*Summary:/.test(line))).toHaveLength(1);
    });

    it('`apexsync resolve` shows the forged CNAME labels escaped, and exits 1 for the failing one', async () => {
      const failing = await recordedCli('cli resolve (forged labels, failing)', ['resolve', 'cname-forging-fails.hostile.test', '--server', dns.address], { cwd: dir });
      expect(failing.code).toBe(1);
      expect(failing.stdout).toContain('cname-forging-fails.hostile.test → CNAME x\\013\\027[8my.a\\010');
      expect(failing.stdout).not.toMatch(CONTROL_BYTES);
      const resolving = await recordedCli(
        'cli resolve (forged labels, resolving)',
        ['resolve', 'cname-forging-resolves.hostile.test', '--server', dns.address, '--output', 'json'],
        { cwd: dir },
      );
      expect(resolving.code).toBe(0);
      expect(resolving.stdout).not.toMatch(CONTROL_BYTES);
      const trace = JSON.parse(resolving.stdout) as { families: FamilyResolution[] };
      expect(trace.families.map((family) => family.kind)).toEqual(['addresses', 'addresses']);
      expect(trace.families[0]!.chain[0]!.cname).toMatch(/^x\\013\\027\[8my\.a\\010.*\.\\208\\181\\209\\133\\208\\176mple\.cname-forging-resolves\.hostile\.test$/);
    });
  });
}
