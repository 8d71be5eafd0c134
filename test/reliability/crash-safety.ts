import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBind, type BindServer } from '../support/bind.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { runCliKilledAfterMarker, seededRandom, type KillOutcome } from '../support/faults/kill-at-marker.js';
import { ledger } from '../support/faults/ledger.js';
import { canonical, expectExactly, expectOldOrNew, loadZoneWithBind, published, type Published } from '../support/faults/published.js';
import { recordedCli } from '../support/faults/recorded-cli.js';

/**
 * `kill -9` of `apexsync sync` at random points of its apply, many times, for
 * the zone file and for RFC 2136 against a real BIND. Each iteration moves the target to the
 * other of two address sets, starts a sync, and kills it a random time after the process logs
 * that it has read the provider (so the kills spread over plan, write and confirmation). After
 * every kill: every managed name holds exactly the old or exactly the new set, all names agree
 * (one atomic write covers them all), the zone file loads in BIND; then a plain `sync`
 * converges. The random delays come from a seeded generator; the seed is in the test name.
 */

const SEED = Number(process.env.APEXSYNC_RELIABILITY_SEED ?? 20261122);
const STATES: readonly Published[] = [
  published({ ttl: 120, values: ['45.60.1.1', '45.60.1.2'] }, { ttl: 120, values: ['2a00:1450:4001::1'] }),
  published({ ttl: 120, values: ['45.60.2.1'] }, { ttl: 120, values: ['2a00:1450:4001::2', '2a00:1450:4001::3'] }),
];
const ZONEFILE_KILLS = 20;
const RFC2136_KILLS = 12;
/** Filler names in the zone file: enough that parsing and writing it take a few milliseconds to hit. */
const FILLER = 1000;

function setTarget(dns: TestDnsServer, target: string, state: Published): void {
  dns.setAddresses(target, 'A', state.A!.values, state.A!.ttl);
  dns.setAddresses(target, 'AAAA', state.AAAA!.values, state.AAAA!.ttl);
}

interface CrashFigures {
  killed: number;
  finishedFirst: number;
  old: number;
  new: number;
}

/** One kill-and-recover loop over a provider, given how to read what it publishes. */
async function killLoop(options: {
  readonly area: string;
  /** The target name every managed record points at (one per loop: the loops run concurrently). */
  readonly target: string;
  readonly kills: number;
  readonly names: readonly string[];
  readonly dns: TestDnsServer;
  readonly sync: (label: string) => Promise<{ code: number; stdout: string }>;
  readonly syncKilled: (label: string, delayMs: number) => Promise<KillOutcome>;
  readonly read: () => Promise<Map<string, Published>>;
  readonly afterEachKill?: () => Promise<void>;
}): Promise<CrashFigures> {
  const random = seededRandom(SEED);
  const figures: CrashFigures = { killed: 0, finishedFirst: 0, old: 0, new: 0 };
  const checkAll = async (label: string, expected: Published): Promise<void> => {
    const now = await options.read();
    for (const name of options.names) expectExactly(`${label} ${name}`, now.get(name) ?? {}, expected);
  };

  // Calibration: an uninterrupted run from the marker to the exit sets the kill window.
  setTarget(options.dns, options.target, STATES[0]!);
  const calibration = await options.syncKilled(`${options.area} calibration`, 60_000);
  expect(calibration.killed).toBe(false);
  expect(calibration.code, calibration.stdout).toBe(0);
  expect(calibration.markerSeen).toBe(true);
  await checkAll(`${options.area} calibration`, STATES[0]!);
  // The kill window follows how long a run lasts after the marker: calibrated once, then updated
  // by every run that finished before its kill (the machine's load changes while the loop runs).
  let windowMs = Math.max(20, calibration.afterMarkerMs ?? 100);

  for (let k = 1; k <= options.kills; k++) {
    const oldState = STATES[(k - 1) % 2]!;
    const newState = STATES[k % 2]!;
    setTarget(options.dns, options.target, newState);
    const delayMs = Math.round(random() * windowMs);
    await ledger.fault(
      options.area,
      async () => {
        const run = await options.syncKilled(`${options.area} kill #${k} at +${delayMs} ms`, delayMs);
        expect(run.markerSeen, run.stderr.slice(0, 500)).toBe(true);
        if (run.killed) figures.killed += 1;
        else {
          figures.finishedFirst += 1;
          expect(run.code, run.stdout).toBe(0);
          windowMs = Math.max(20, (windowMs + (run.afterMarkerMs ?? windowMs)) / 2);
        }
        await options.afterEachKill?.();
        const now = await options.read();
        const which = options.names.map((name) => expectOldOrNew(`${options.area} kill #${k} (+${delayMs} ms) ${name}`, now.get(name) ?? {}, oldState, newState));
        // One atomic write carries every name: never some old and some new.
        expect(new Set(which).size, `kill #${k}: names disagree: ${which.join(',')}`).toBe(1);
        figures[which[0]!] += 1;

        const next = await options.sync(`${options.area} converge after kill #${k}`);
        expect(next.code, next.stdout).toBe(0);
        await checkAll(`${options.area} after kill #${k}`, newState);
      },
      { label: `${options.area} kill #${k} at +${delayMs} ms` },
    );
  }
  return figures;
}

function figuresLine(area: string, f: CrashFigures, extra = ''): string {
  return `${area}: ${f.killed} killed mid-run, ${f.finishedFirst} finished before the kill; found old ${f.old}×, new ${f.new}×${extra}`;
}

export function crashSafetySuite(): void {
  describe(`crash safety: kill -9 during apply (seed ${SEED})`, () => {
    let dns: TestDnsServer;
    const report: string[] = [];
    beforeAll(async () => {
      dns = await startTestDnsServer();
    });
    afterAll(async () => {
      await dns.close();
      for (const line of report) console.log(line);
    });

    // The two loops are independent (own target, own provider) and mostly wait on processes: run together.
    it.concurrent(`zone file: ${ZONEFILE_KILLS} kills; never truncated or unparsable, always all old or all new, the next sync converges`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-crash-zone-'));
      try {
        const zoneFile = path.join(dir, 'example.com.zone');
        const names = ['example.com', ...Array.from({ length: 9 }, (_, i) => `n${i + 1}.example.com`)];
        const start = STATES[1]!;
        const lines = ['$ORIGIN example.com.', '$TTL 3600', '@ IN SOA ns1 hostmaster 2024010100 7200 3600 1209600 300', '@ IN NS ns1', 'ns1 IN A 192.0.2.53'];
        for (const name of names) {
          const owner = name === 'example.com' ? '@' : name.replace('.example.com', '');
          for (const v of start.A!.values) lines.push(`${owner} 120 IN A ${v}`);
          for (const v of start.AAAA!.values) lines.push(`${owner} 120 IN AAAA ${v}`);
        }
        // Bulk, so that reading, editing and writing the file take long enough to be hit.
        for (let i = 0; i < FILLER; i++) lines.push(`f${i} IN TXT "filler record ${i}"`, `f${i} IN A 198.51.100.${i % 250}`);
        writeFileSync(zoneFile, `${lines.join('\n')}\n`);
        const configFile = path.join(dir, 'apexsync.yaml');
        writeFileSync(
          configFile,
          `resolver: { servers: ["${dns.address}"], timeoutMs: 1000, attempts: 2 }\nproviders:\n  files: { type: zonefile, file: example.com.zone }\nrecords:\n${names.map((n) => `  - { name: ${n}, target: lb.zonefile.crash.test }`).join('\n')}\n`,
        );
        let serial = 0;
        const read = async (): Promise<Map<string, Published>> => {
          const load = await loadZoneWithBind('example.com', zoneFile);
          // Never truncated, never unparsable: BIND's loader takes the file after every kill.
          expect(load.ok, load.output).toBe(true);
          expect(load.names.size).toBe(FILLER + 1 + names.length);
          expect(load.serial).toBeGreaterThanOrEqual(serial);
          serial = load.serial ?? 0;
          return new Map(names.map((n) => [n, load.names.get(n) ?? {}]));
        };
        const figures = await killLoop({
          area: 'crash zonefile',
          target: 'lb.zonefile.crash.test',
          kills: ZONEFILE_KILLS,
          names,
          dns,
          sync: (label) => recordedCli(label, ['sync', '-c', configFile], { cwd: dir }),
          syncKilled: (label, delayMs) => runCliKilledAfterMarker(label, ['sync', '-c', configFile, '--log-level', 'debug'], { marker: /zone file read/, delayMs }, { cwd: dir }),
          read,
        });
        const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
        report.push(figuresLine('crash zonefile', figures, `; ${leftovers.length} temp file(s) left beside the zone by killed writers`));
        expect(figures.killed).toBeGreaterThan(0);
        // Left-over temp files are hidden and named *.tmp; the zone itself is all that BIND loads.
        for (const leftover of leftovers) expect(leftover).toMatch(/^\.example\.com\.zone\.apexsync-\d+-[0-9a-f]+\.tmp$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 420_000);

    it.concurrent(`RFC 2136 on a real BIND: ${RFC2136_KILLS} kills; always all old or all new, the next sync converges`, async () => {
      const names = ['example.test', 'n1.example.test', 'n2.example.test', 'n3.example.test'];
      const start = STATES[1]!;
      const bind: BindServer = await startBind({
        apexZone: 'example.test',
        managedNames: names,
        apexRecords: names.flatMap((n) => [...start.A!.values.map((v) => `${n}. 120 A ${v}`), ...start.AAAA!.values.map((v) => `${n}. 120 AAAA ${v}`)]),
      });
      const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-crash-bind-'));
      try {
        ledger.plantExisting('crash BIND TSIG secret (apexsync key)', bind.apexsyncKey.secret);
        ledger.plantExisting('crash BIND TSIG secret (admin key)', bind.adminKey.secret);
        const configFile = path.join(dir, 'apexsync.yaml');
        writeFileSync(
          configFile,
          `resolver: { servers: ["${dns.address}"], timeoutMs: 1000, attempts: 2 }
providers:
  bind: { type: rfc2136, server: "${bind.address}", timeoutMs: 3000, tsig: { name: ${bind.apexsyncKey.name}, algorithm: ${bind.apexsyncKey.algorithm}, secret: "\${TSIG_SECRET}" } }
records:
${names.map((n) => `  - { name: ${n}, target: lb.rfc2136.crash.test, zone: example.test }`).join('\n')}
`,
        );
        const env = { TSIG_SECRET: bind.apexsyncKey.secret };
        const read = async (): Promise<Map<string, Published>> => {
          const out = new Map<string, Published>();
          for (const name of names) out.set(name, published(await bind.rrset(name, 'A'), await bind.rrset(name, 'AAAA')));
          return out;
        };
        const figures = await killLoop({
          area: 'crash rfc2136',
          target: 'lb.rfc2136.crash.test',
          kills: RFC2136_KILLS,
          names,
          dns,
          sync: (label) => recordedCli(label, ['sync', '-c', configFile], { cwd: dir, env }),
          syncKilled: (label, delayMs) =>
            runCliKilledAfterMarker(label, ['sync', '-c', configFile, '--log-level', 'debug'], { marker: /rfc2136: reading A\/AAAA from the primary/, delayMs }, { cwd: dir, env }),
          read,
        });
        report.push(figuresLine('crash rfc2136', figures));
        expect(figures.killed).toBeGreaterThan(0);
        // named itself came through every abandoned connection: the zone still answers its SOA.
        expect(await bind.soaSerial('example.test')).toBeGreaterThan(1);
        expect(canonical((await read()).get('example.test')!)).toBe(canonical(STATES[RFC2136_KILLS % 2]!));
      } finally {
        await bind.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 420_000);
  });
}
