import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/lexicon/index.js';
import { lexiconSettings } from '../../providers/lexicon/settings.js';
import { startPowerDns, type PowerDnsServer } from '../support/authoritative/powerdns.js';

/**
 * The lifetime of the lexicon helper, watched in the process table: one Python process serves a
 * whole round (zone discovery, read, apply), and it is gone once the round is over, so a daemon
 * holds no Python process between rounds.
 */

let pdns: PowerDnsServer;
const logs: string[] = [];

beforeAll(async () => {
  pdns = await startPowerDns({ apexRecords: ['@ 300 A 52.4.1.1', 'www 300 A 52.4.1.2'] });
});

afterAll(async () => {
  await pdns?.stop();
  for (const line of logs) expect(line).not.toContain(pdns.api.key);
});

/** Python processes started by this test process. */
function helpers(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => /python/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 100) {
    if (waited > 20_000) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function provider() {
  const settings = lexiconSettings.parse({ type: 'lexicon', provider: 'powerdns', options: { auth_token: pdns.api.key, pdns_server: pdns.api.url } });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  return createProvider(settings, { id: 'lex', logger: pino({ level: 'debug' }, sink) });
}

describe('the lexicon helper process', () => {
  it('is one process for a whole round, and ends after it; the next round starts another', async () => {
    const p = provider();
    expect(helpers()).toEqual([]);
    const zone = await p.findZone('www.example.test');
    expect(zone).toBe('example.test');
    const [pid] = helpers();
    expect(pid).toBeGreaterThan(0);
    const snapshot = await p.read(zone, ['example.test', 'www.example.test']);
    expect(snapshot.records.get('www.example.test')).toEqual({ A: { ttl: 300, values: ['52.4.1.2'] } });
    const outcomes = await p.apply(
      snapshot,
      [{ action: 'update', name: 'www.example.test', family: 'A', before: { ttl: 300, values: ['52.4.1.2'] }, after: { ttl: 300, values: ['52.4.1.3'] } }],
      { targets: new Map() },
    );
    expect(outcomes.get('www.example.test')).toEqual({ status: 'applied' });
    expect(helpers()).toEqual([pid]);
    expect(await pdns.rrset('www.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.1.3'] });

    await until(() => helpers().length === 0, 'the helper to end after the round');

    await p.read(zone, ['example.test']);
    const next = helpers();
    expect(next).toHaveLength(1);
    expect(next[0]).not.toBe(pid);
    await p.close!();
    expect(helpers()).toEqual([]);
  });
});
