import net from 'node:net';
import { providerSession, type ProviderSession } from '../support/provider-session.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyOutcome, Change, RecordSets } from '../../src/model.js';
import { exchangeTcp } from '../../src/dns/tcp.js';
import { ProviderError } from '../../providers/types.js';
import { createProvider } from '../../providers/rfc2136/index.js';
import { rfc2136Settings } from '../../providers/rfc2136/settings.js';
import { lastRecordOffset } from '../../src/dns/records.js';
import { randomKey, startBind, type BindServer, type TsigKeySpec } from '../support/bind.js';
import { DnsFaultRelay } from '../support/faults/dns-fault-relay.js';

/**
 * The RFC 2136 adapter against a real BIND 9: every test talks to named through the counting
 * relay, so "one UPDATE" is counted at the wire, and checks the result by querying named.
 */

/** Many names, each with its own A (and every other one an AAAA): an answer at the wrong name would show. */
const MANY = 300;
const manyName = (i: number): string => `p${i}.example.test`;
const manyA = (i: number): string => `52.5.${i >> 8}.${i & 255}`;
const manyAaaa = (i: number): string => `2600:1f18:5::${(i + 1).toString(16)}`;
const manyRecords = Array.from({ length: MANY }, (_, i) => [`p${i} 60 A ${manyA(i)}`, ...(i % 2 === 0 ? [`p${i} 90 AAAA ${manyAaaa(i)}`] : [])]).flat();
const manyExpected = (i: number): RecordSets => ({ A: { ttl: 60, values: [manyA(i)] }, ...(i % 2 === 0 ? { AAAA: { ttl: 90, values: [manyAaaa(i)] } } : {}) });

const sha512Key = randomKey('apexsync-512', 'hmac-sha512');
const sha1Key = randomKey('apexsync-sha1', 'hmac-sha1');

let bind: BindServer;
const logLines: string[] = [];
/** Every message an error or outcome carried, to prove no secret ever appears in one. */
const messages: string[] = [];

beforeAll(async () => {
  bind = await startBind({
    apexRecords: [
      '@ 300 A 52.4.7.1',
      '@ 300 A 52.4.18.2',
      '@ 300 AAAA 2600:1f18:4a3:6900::7',
      'www 120 A 52.4.7.1',
      'cas 300 A 52.4.30.1',
      'alias CNAME elsewhere.target.test.',
      'other A 52.4.1.1',
      'batch1 A 52.4.40.1',
      'algo A 52.4.50.1',
      ...manyRecords,
    ],
    targetRecords: ['elsewhere A 52.4.9.9'],
    managedNames: [
      'example.test',
      'www.example.test',
      'new.example.test',
      'cas.example.test',
      'cas2.example.test',
      'alias.example.test',
      'batch1.example.test',
      'batch2.example.test',
      'algo.example.test',
      'tamper.example.test',
    ],
    extraKeys: [sha512Key, sha1Key],
  });
});

afterAll(async () => {
  if (!bind) return;
  await bind.stop();
  const all = [...messages, ...logLines].join('\n');
  for (const key of [bind.apexsyncKey, bind.adminKey, sha512Key, sha1Key]) expect(all).not.toContain(key.secret);
});

interface Overrides {
  readonly server?: string;
  readonly key?: TsigKeySpec | null;
  readonly timeoutMs?: number;
}

function provider(overrides: Overrides = {}): ProviderSession {
  const key = overrides.key === undefined ? bind.apexsyncKey : overrides.key;
  const settings = rfc2136Settings.parse({
    type: 'rfc2136',
    server: overrides.server ?? bind.relay.address,
    ...(key ? { tsig: { name: key.name, algorithm: key.algorithm, secret: key.secret } } : {}),
    timeoutMs: overrides.timeoutMs ?? 5_000,
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  return providerSession(createProvider(settings, { id: 'bind', logger: pino({ level: 'debug' }, sink) }), 'empty');
}

async function applyOne(p: ProviderSession, zone: string, changes: Change[]): Promise<Map<string, ApplyOutcome>> {
  const outcomes = await p.apply(zone, changes);
  for (const outcome of outcomes.values()) if (outcome.status !== 'applied') messages.push(outcome.message);
  return outcomes;
}

async function expectProviderError(promise: Promise<unknown>, kind: string, pattern: RegExp): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  messages.push(providerError.message);
  expect(providerError.kind).toBe(kind);
  expect(providerError.message).toMatch(pattern);
  return providerError;
}

describe('findZone', () => {
  it('finds the zone by SOA at the apex, below it, through a CNAME and for names that do not exist', async () => {
    const p = provider();
    bind.relay.reset();
    expect(await p.findZone('example.test')).toBe('example.test');
    expect(await p.findZone('www.example.test')).toBe('example.test');
    expect(await p.findZone('alias.example.test')).toBe('example.test');
    expect(await p.findZone('deep.below.nothing.example.test')).toBe('example.test');
    expect(await p.findZone('elsewhere.target.test')).toBe('target.test');
    const asked = bind.relay.queries();
    expect(asked).toBeGreaterThanOrEqual(5);
    // Cached per provider instance: asking again sends nothing.
    expect(await p.findZone('www.example.test')).toBe('example.test');
    expect(bind.relay.queries()).toBe(asked);
  });

  it('says plainly when the server holds no zone for the name', async () => {
    await expectProviderError(provider().findZone('www.example.invalid'), 'rejected', /not authoritative for any zone that holds www\.example\.invalid/);
  });
});

describe('read', () => {
  it('reads A and AAAA at each name with TTLs and normalised values, two queries per name', async () => {
    bind.relay.reset();
    const sets = await provider().read('example.test', ['example.test', 'www.example.test', 'new.example.test']);
    expect(bind.relay.queries()).toBe(6);
    expect(bind.relay.updates()).toBe(0);
    expect(sets.get('example.test')).toEqual({ A: { ttl: 300, values: ['52.4.7.1', '52.4.18.2'] }, AAAA: { ttl: 300, values: ['2600:1f18:4a3:6900::7'] } });
    expect(sets.get('www.example.test')).toEqual({ A: { ttl: 120, values: ['52.4.7.1'] } });
    expect(sets.get('new.example.test')).toEqual({}); // NXDOMAIN: no records
  });

  it('reports a CNAME at the name as a conflict, naming its target', async () => {
    const sets = await provider().read('example.test', ['alias.example.test']);
    expect(sets.get('alias.example.test')).toEqual({ conflict: 'CNAME at the name (points to elsewhere.target.test)' });
  });

  it('reads unsigned when no key is configured', async () => {
    const sets = await provider({ key: null }).read('example.test', ['www.example.test']);
    expect(sets.get('www.example.test')).toEqual({ A: { ttl: 120, values: ['52.4.7.1'] } });
  });

  it('fails with the key name and algorithm when the server does not know the key', async () => {
    const wrong = randomKey('no-such-key');
    const error = await expectProviderError(provider({ key: wrong }).read('example.test', ['www.example.test']), 'auth', /BADKEY/);
    expect(error.message).toContain('"no-such-key" (hmac-sha256)');
    expect(error.message).not.toContain(wrong.secret);
  });

  it(`reads ${MANY} names pipelined over 4 persistent connections, each answer at its own name`, async () => {
    const p = provider();
    bind.relay.reset();
    const names = Array.from({ length: MANY }, (_, i) => manyName(i));
    const sets = await p.read('example.test', names);
    expect(bind.relay.queries()).toBe(2 * MANY);
    expect(bind.relay.updates()).toBe(0);
    expect(bind.relay.connections()).toBe(4);
    expect(sets.size).toBe(MANY);
    for (let i = 0; i < MANY; i++) expect(sets.get(manyName(i)), manyName(i)).toEqual(manyExpected(i));
    // The next read reuses the open connections.
    await p.read('example.test', names.slice(0, 10));
    expect(bind.relay.connections()).toBe(4);
    expect(bind.relay.queries()).toBe(2 * MANY + 20);
    await p.close!();
  });

  it('close() closes the query connections; a read after it opens a new one', async () => {
    const proxy = await pipeProxy();
    try {
      const p = provider({ server: proxy.address });
      await p.read('example.test', ['example.test', 'www.example.test']);
      expect(proxy.opened()).toBe(1);
      // Without close() the next read would reuse that connection (idle ones live for 2 s).
      await p.close!();
      expect(await p.read('example.test', ['www.example.test'])).toEqual(new Map([['www.example.test', { A: { ttl: 120, values: ['52.4.7.1'] } }]]));
      expect(proxy.opened()).toBe(2);
      await p.close!();
      // Closed at our end, not left to the server.
      await proxy.allClosed();
      expect(proxy.open()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('a connection reset in the middle of a read is replaced and its unanswered queries sent again', async () => {
    const faults = await DnsFaultRelay.start({ host: '127.0.0.1', port: bind.port });
    try {
      const p = provider({ server: faults.address });
      faults.inject({ on: 'query', times: 1, action: { kind: 'reset-before' } });
      const names = Array.from({ length: 20 }, (_, i) => manyName(i));
      const sets = await p.read('example.test', names);
      expect(faults.hits).toBe(1);
      for (let i = 0; i < 20; i++) expect(sets.get(manyName(i)), manyName(i)).toEqual(manyExpected(i));
      // The server goes away between two reads (a restart): the next read reconnects.
      faults.inject({ on: 'any', action: { kind: 'refuse' } });
      await faults.clear();
      expect((await p.read('example.test', [manyName(7)])).get(manyName(7))).toEqual(manyExpected(7));
      await p.close!();
    } finally {
      await faults.close();
    }
  });

  it('fails as unreachable, not as a key problem, when nothing listens', async () => {
    await expectProviderError(provider({ server: `127.0.0.1:${await closedPort()}` }).read('example.test', ['example.test']), 'unreachable', /ECONNREFUSED/);
  });
});

describe('apply', () => {
  it('sends create, update and delete for several names in one UPDATE and BIND applies all of it', async () => {
    const p = provider();
    const before = await p.read('example.test', ['example.test', 'new.example.test']);
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const outcomes = await applyOne(p, 'example.test', [
      { action: 'update', name: 'example.test', family: 'A', before: before.get('example.test')!.A!, after: { ttl: 60, values: ['52.4.7.1', '52.4.91.7'] } },
      { action: 'delete', name: 'example.test', family: 'AAAA', before: before.get('example.test')!.AAAA!, after: null },
      { action: 'create', name: 'new.example.test', family: 'A', before: null, after: { ttl: 120, values: ['52.4.60.1'] } },
      { action: 'create', name: 'new.example.test', family: 'AAAA', before: null, after: { ttl: 120, values: ['2600:1f18::1', '2600:1f18::2'] } },
    ]);
    expect(bind.relay.updates()).toBe(1);
    // Read-after-write: A and AAAA at each of the two names, nothing more.
    expect(bind.relay.queries()).toBe(4);
    expect(Object.fromEntries(outcomes)).toEqual({ 'example.test': { status: 'applied' }, 'new.example.test': { status: 'applied' } });
    expect(await bind.rrset('example.test', 'A')).toEqual({ ttl: 60, values: ['52.4.7.1', '52.4.91.7'] });
    expect(await bind.rrset('example.test', 'AAAA')).toBeUndefined();
    expect(await bind.rrset('new.example.test', 'A')).toEqual({ ttl: 120, values: ['52.4.60.1'] });
    expect(await bind.rrset('new.example.test', 'AAAA')).toEqual({ ttl: 120, values: ['2600:1f18::1', '2600:1f18::2'] });
    // One transaction: the serial moved once.
    expect(await bind.soaSerial('example.test')).toBe(serial + 1);
    // What it wrote reads back as the planner will see it next round.
    expect(await p.read('example.test', ['example.test'])).toEqual(new Map([['example.test', { A: { ttl: 60, values: ['52.4.7.1', '52.4.91.7'] } }]]));
  });

  it('changes only the TTL when only the TTL differs', async () => {
    const p = provider();
    const current = (await p.read('example.test', ['www.example.test'])).get('www.example.test')!.A!;
    const outcomes = await applyOne(p, 'example.test', [
      { action: 'update', name: 'www.example.test', family: 'A', before: current, after: { ttl: 3600, values: current.values } },
    ]);
    expect(outcomes.get('www.example.test')).toEqual({ status: 'applied' });
    expect(await bind.rrset('www.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.7.1'] });
  });

  it('detects a change made between read and apply (compare-and-swap) and applies nothing', async () => {
    const p = provider();
    const read = await p.read('example.test', ['cas.example.test', 'cas2.example.test']);
    // Someone else edits both names after apexsync read them.
    await bind.setAddresses('example.test', 'cas.example.test', 'A', ['52.4.30.99']);
    await bind.setAddresses('example.test', 'cas2.example.test', 'A', ['52.4.31.99']);
    const serial = await bind.soaSerial('example.test');
    bind.relay.reset();
    const update = await applyOne(p, 'example.test', [
      { action: 'update', name: 'cas.example.test', family: 'A', before: read.get('cas.example.test')!.A!, after: { ttl: 300, values: ['52.4.30.2'] } },
    ]);
    const create = await applyOne(p, 'example.test', [{ action: 'create', name: 'cas2.example.test', family: 'A', before: null, after: { ttl: 300, values: ['52.4.31.2'] } }]);
    expect(bind.relay.updates()).toBe(2);
    for (const outcome of [update.get('cas.example.test'), create.get('cas2.example.test')]) {
      expect(outcome).toMatchObject({ status: 'not-applied', kind: 'conflict', message: expect.stringContaining('changed by someone else since it was read; nothing applied') });
    }
    // The old values are gone (value-dependent "RRset exists" fails: NXRRSET); the RRset that
    // should not exist now does ("RRset does not exist" fails: YXRRSET).
    expect(update.get('cas.example.test')).toMatchObject({ message: expect.stringContaining('prerequisite failed: NXRRSET') });
    expect(create.get('cas2.example.test')).toMatchObject({ message: expect.stringContaining('prerequisite failed: YXRRSET') });
    expect(await bind.rrset('cas.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.30.99'] });
    expect(await bind.rrset('cas2.example.test', 'A')).toEqual({ ttl: 300, values: ['52.4.31.99'] });
    expect(await bind.soaSerial('example.test')).toBe(serial);
  });

  it('a conflict on one name rejects the whole zone transaction, and says so for every name', async () => {
    const p = provider();
    const read = await p.read('example.test', ['batch1.example.test', 'batch2.example.test']);
    await bind.setAddresses('example.test', 'batch1.example.test', 'A', ['52.4.40.99']);
    const outcomes = await applyOne(p, 'example.test', [
      { action: 'update', name: 'batch1.example.test', family: 'A', before: read.get('batch1.example.test')!.A!, after: { ttl: 300, values: ['52.4.40.2'] } },
      { action: 'create', name: 'batch2.example.test', family: 'A', before: null, after: { ttl: 300, values: ['52.4.41.2'] } },
    ]);
    expect(outcomes.get('batch2.example.test')).toMatchObject({ status: 'not-applied', kind: 'conflict' });
    expect(outcomes.get('batch1.example.test')).toMatchObject({ status: 'not-applied', kind: 'conflict' });
    expect(await bind.rrset('batch2.example.test', 'A')).toBeUndefined();
  });

  it('a wrong key name is an auth failure naming the key and algorithm (BADKEY), not a network problem', async () => {
    const wrong = randomKey('apexsync-typo');
    const serial = await bind.soaSerial('example.test');
    const outcomes = await applyOne(provider({ key: wrong }), 'example.test', [
      { action: 'create', name: 'new.example.test', family: 'A', before: null, after: { ttl: 60, values: ['52.4.70.1'] } },
    ]);
    const outcome = outcomes.get('new.example.test');
    expect(outcome).toMatchObject({ status: 'not-applied', kind: 'auth' });
    const message = (outcome as { message: string }).message;
    expect(message).toMatch(/does not know TSIG key "apexsync-typo" \(hmac-sha256\) \(NOTAUTH\/BADKEY\)/);
    expect(message).not.toMatch(/reach|timeout|network/i);
    expect(message).not.toContain(wrong.secret);
    expect(await bind.soaSerial('example.test')).toBe(serial);
  });

  it('a wrong secret is an auth failure saying the secret does not match (BADSIG)', async () => {
    const wrongSecret = { ...bind.apexsyncKey, secret: randomKey('x').secret };
    const outcomes = await applyOne(provider({ key: wrongSecret }), 'example.test', [
      { action: 'create', name: 'new.example.test', family: 'A', before: null, after: { ttl: 60, values: ['52.4.70.1'] } },
    ]);
    expect(outcomes.get('new.example.test')).toMatchObject({
      status: 'not-applied',
      kind: 'auth',
      message: expect.stringMatching(/signature made with TSIG key "apexsync-key" \(hmac-sha256\) \(NOTAUTH\/BADSIG\): the secret does not match/),
    });
    expect((outcomes.get('new.example.test') as { message: string }).message).not.toContain(wrongSecret.secret);
  });

  it('an update outside the update-policy is refused with a pointer to the policy (REFUSED)', async () => {
    const p = provider();
    const before = (await p.read('example.test', ['other.example.test'])).get('other.example.test')!.A!;
    const outcomes = await applyOne(p, 'example.test', [{ action: 'update', name: 'other.example.test', family: 'A', before, after: { ttl: 60, values: ['52.4.1.2'] } }]);
    expect(outcomes.get('other.example.test')).toMatchObject({
      status: 'not-applied',
      kind: 'auth',
      message: expect.stringMatching(/refused the update \(REFUSED\): check update-policy for other\.example\.test A\/AAAA and TSIG key "apexsync-key"/),
    });
    expect(await bind.rrset('other.example.test', 'A')).toEqual({ ttl: 3600, values: ['52.4.1.1'] });
    expect(bind.log()).toMatch(/key apexsync-key: updating zone 'example\.test\/IN': update failed: rejected by secure update \(REFUSED\)/);
  });

  it('an unsigned update to a zone that requires a key is refused', async () => {
    const outcomes = await applyOne(provider({ key: null }), 'example.test', [
      { action: 'create', name: 'new.example.test', family: 'A', before: null, after: { ttl: 60, values: ['52.4.70.1'] } },
    ]);
    expect(outcomes.get('new.example.test')).toMatchObject({ status: 'not-applied', kind: 'auth', message: expect.stringContaining('no TSIG key is configured') });
  });

  it('a name outside the zone is rejected (NOTZONE)', async () => {
    const outcomes = await applyOne(provider(), 'example.test', [
      { action: 'create', name: 'stray.target.test', family: 'A', before: null, after: { ttl: 60, values: ['52.4.70.1'] } },
    ]);
    expect(outcomes.get('stray.target.test')).toMatchObject({ status: 'not-applied', kind: 'rejected', message: expect.stringContaining('NOTZONE') });
  });

  it('nothing listening: not applied, unreachable', async () => {
    const outcomes = await applyOne(provider({ server: `127.0.0.1:${await closedPort()}` }), 'example.test', [
      { action: 'create', name: 'new.example.test', family: 'A', before: null, after: { ttl: 60, values: ['52.4.70.1'] } },
    ]);
    expect(outcomes.get('new.example.test')).toMatchObject({
      status: 'not-applied',
      kind: 'unreachable',
      message: expect.stringMatching(/could not reach .*ECONNREFUSED.*nothing applied/),
    });
  });

  it('no answer after sending: could not confirm', async () => {
    bind.relay.setMode('blackhole');
    try {
      bind.relay.reset();
      const outcomes = await applyOne(provider({ timeoutMs: 500 }), 'example.test', [
        { action: 'create', name: 'new.example.test', family: 'A', before: null, after: { ttl: 60, values: ['52.4.70.1'] } },
      ]);
      expect(bind.relay.updates()).toBe(1);
      expect(outcomes.get('new.example.test')).toMatchObject({
        status: 'unconfirmed',
        message: expect.stringMatching(/^the update of new\.example\.test was sent to 127\.0\.0\.1:\d+, but no answer/),
      });
    } finally {
      bind.relay.setMode('forward');
    }
  });

  it.each([
    ['hmac-sha512', sha512Key],
    ['hmac-sha1', sha1Key],
  ])('signs with %s and BIND accepts it', async (_name, key) => {
    const p = provider({ key });
    const before = (await p.read('example.test', ['algo.example.test'])).get('algo.example.test')!.A!;
    const next = before.values[0] === '52.4.50.1' ? '52.4.50.2' : '52.4.50.1';
    const outcomes = await applyOne(p, 'example.test', [{ action: 'update', name: 'algo.example.test', family: 'A', before, after: { ttl: 90, values: [next] } }]);
    expect(outcomes.get('algo.example.test')).toEqual({ status: 'applied' });
    expect(await bind.rrset('algo.example.test', 'A')).toEqual({ ttl: 90, values: [next] });
  });
});

describe('answers that cannot be trusted', () => {
  /** A relay to named that rewrites every answer before passing it on. */
  async function tamperingProxy(rewrite: (answer: Buffer) => Buffer): Promise<{ address: string; close: () => Promise<void> }> {
    const server = net.createServer((client) => {
      let pending = Buffer.alloc(0);
      client.on('error', () => client.destroy());
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 2 || pending.length < 2 + pending.readUInt16BE(0)) return;
        const request = pending.subarray(2, 2 + pending.readUInt16BE(0));
        void exchangeTcp({ host: '127.0.0.1', port: bind.port }, request, 5_000).then((answer) => {
          const changed = rewrite(Buffer.from(answer));
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(changed.length);
          client.end(Buffer.concat([prefix, changed]));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  const stripTsig = (answer: Buffer): Buffer => {
    const at = lastRecordOffset(answer)!;
    const stripped = Buffer.from(answer.subarray(0, at));
    stripped.writeUInt16BE(stripped.readUInt16BE(10) - 1, 10);
    return stripped;
  };
  const flipAuthoritativeBit = (answer: Buffer): Buffer => {
    answer.writeUInt8(answer.readUInt8(2) ^ 0x04, 2);
    return answer;
  };

  it.each([
    ['an answer stripped of its TSIG', stripTsig, /not signed with TSIG key "apexsync-key"/],
    ['an answer altered after signing', flipAuthoritativeBit, /MAC does not verify/],
  ])('%s leaves the update unconfirmed, even though BIND applied it', async (_label, rewrite, pattern) => {
    const proxy = await tamperingProxy(rewrite);
    try {
      const p = provider({ server: proxy.address });
      const current = (await provider().read('example.test', ['tamper.example.test'])).get('tamper.example.test')!;
      const value = current.A?.values[0] === '52.4.80.1' ? '52.4.80.2' : '52.4.80.1';
      const change: Change = current.A
        ? { action: 'update', name: 'tamper.example.test', family: 'A', before: current.A, after: { ttl: 60, values: [value] } }
        : { action: 'create', name: 'tamper.example.test', family: 'A', before: null, after: { ttl: 60, values: [value] } };
      const outcomes = await applyOne(p, 'example.test', [change]);
      expect(outcomes.get('tamper.example.test')).toMatchObject({ status: 'unconfirmed', message: expect.stringMatching(pattern) });
      expect(await bind.rrset('tamper.example.test', 'A')).toEqual({ ttl: 60, values: [value] });
      // Reads through the same proxy are refused rather than trusted.
      await expectProviderError(p.read('example.test', ['tamper.example.test']), 'error', /not trusted|without a signature/);
    } finally {
      await proxy.close();
    }
  });
});

/** A plain TCP proxy to named that counts the connections made through it and those still open. */
async function pipeProxy(): Promise<{ address: string; opened: () => number; open: () => number; allClosed: () => Promise<void>; close: () => Promise<void> }> {
  let opened = 0;
  const clients = new Set<net.Socket>();
  let wake: (() => void) | undefined;
  const server = net.createServer((client) => {
    opened++;
    clients.add(client);
    const upstream = net.connect({ host: '127.0.0.1', port: bind.port });
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      if (clients.delete(client) && clients.size === 0) wake?.();
    };
    for (const socket of [client, upstream]) socket.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    opened: () => opened,
    open: () => clients.size,
    allClosed: () => (clients.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
