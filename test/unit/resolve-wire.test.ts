/**
 * How the resolver talks to servers (docs/design/resolution.md): retries and fallback, TCP on truncation,
 * what it ignores and what it refuses, EDNS0 and ECS on the wire, IDs and ports, IPv6 servers,
 * and many concurrent lookups without leaks.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResolver, type ResolverSettings } from '../../src/resolve/index.js';
import { ConcurrencyLimiter } from '../../src/resolve/limiter.js';
import { parseServerAddress } from '../../src/dns/server-address.js';
import { startTestDnsServer, type Behaviour, type TestDnsServer } from '../support/dns-server.js';

const createSocket = dgram.createSocket;

// Short enough that timeout cases stay quick; nothing asserts on elapsed time.
const SHORT_TIMEOUT_MS = 150;

let first: TestDnsServer;
let second: TestDnsServer;

beforeAll(async () => {
  [first, second] = await Promise.all([startTestDnsServer(), startTestDnsServer()]);
});

afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});

function settingsFor(servers: readonly TestDnsServer[], overrides: Partial<ResolverSettings> = {}): ResolverSettings {
  return { servers: servers.map((s) => parseServerAddress(s.address)!), timeoutMs: 1000, attempts: 2, ...overrides };
}

function reset(...servers: TestDnsServer[]): void {
  for (const s of servers) s.resetQueries();
}

interface WatchedSocket {
  sends: number;
  closed: boolean;
  /** The local port, once bound. */
  port?: number;
}

/**
 * Every UDP socket created until stop(), with how many datagrams it sent and whether it closed:
 * the resolver's sockets are its own business, so they are watched where they are made.
 */
function watchUdpSockets(): { created: WatchedSocket[]; ports(): Array<number | undefined>; stop(): void } {
  const created: WatchedSocket[] = [];
  const spy = vi.spyOn(dgram, 'createSocket').mockImplementation(((...args: Parameters<typeof dgram.createSocket>) => {
    const socket = createSocket(...args);
    const watched: WatchedSocket = { sends: 0, closed: false };
    socket.on('listening', () => {
      watched.port = socket.address().port;
    });
    const send = socket.send.bind(socket) as (...sendArgs: unknown[]) => void;
    socket.send = ((...sendArgs: unknown[]) => {
      watched.sends++;
      send(...sendArgs);
    }) as typeof socket.send;
    socket.on('close', () => {
      watched.closed = true;
    });
    created.push(watched);
    return socket;
  }) as typeof dgram.createSocket);
  return {
    created,
    ports: () => created.map((socket) => socket.port),
    stop: () => spy.mockRestore(),
  };
}

function transports(server: TestDnsServer, name: string): string[] {
  return server.queries.filter((q) => q.name.toLowerCase() === name).map((q) => q.transport);
}

describe('retries and fallback', () => {
  it('times out on every server after `attempts` tries each, and says so', async () => {
    const name = 'silent.test';
    first.setBehaviour(name, 'drop');
    second.setBehaviour(name, 'drop');
    reset(first, second);
    const result = await createResolver(settingsFor([first, second], { timeoutMs: SHORT_TIMEOUT_MS, attempts: 3 })).resolve(name, 'A');
    expect(result).toEqual({
      kind: 'failure',
      family: 'A',
      reason: `no answer from ${first.address} within ${SHORT_TIMEOUT_MS} ms (3 attempts); ` + `no answer from ${second.address} within ${SHORT_TIMEOUT_MS} ms (3 attempts)`,
      cause: 'timeout',
      chain: [],
    });
    expect(first.queries).toHaveLength(3);
    expect(second.queries).toHaveLength(3);
    // Every try is a fresh query: new ID each time.
    expect(new Set(first.queries.map((q) => q.id)).size).toBeGreaterThan(1);
  });

  it.each<{ failing: Behaviour; firstQueries: number }>([
    { failing: 'drop', firstQueries: 2 },
    { failing: 'servfail', firstQueries: 1 },
    { failing: 'refused', firstQueries: 1 },
  ])('falls back to the second server when the first answers $failing', async ({ failing, firstQueries }) => {
    const name = `fallback-${String(failing)}.test`;
    first.setAddresses(name, 'A', ['192.0.2.1']);
    first.setBehaviour(name, failing);
    second.setAddresses(name, 'A', ['192.0.2.2']);
    reset(first, second);
    const result = await createResolver(settingsFor([first, second], { timeoutMs: SHORT_TIMEOUT_MS })).resolve(name, 'A');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.2'] });
    expect(first.queries).toHaveLength(firstQueries);
    expect(second.queries).toHaveLength(1);
  });

  it('a server port where nothing listens fails on the ICMP error, not a timeout, and the next server answers', async () => {
    const closed = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', () => resolve()));
    const port = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    second.setAddresses('after-refused.test', 'A', ['192.0.2.3']);
    reset(second);
    const nobody = { host: '127.0.0.1', port };
    const settings = { servers: [nobody], timeoutMs: 5_000, attempts: 2 };
    const alone = await createResolver(settings).resolve('after-refused.test', 'A');
    expect(alone).toEqual({ kind: 'failure', family: 'A', reason: `127.0.0.1:${port}: recvmsg ECONNREFUSED (2 attempts)`, cause: 'unreachable', chain: [] });
    const withFallback = await createResolver({ ...settings, servers: [nobody, parseServerAddress(second.address)!] }).resolve('after-refused.test', 'A');
    expect(withFallback).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.3'] });
    expect(second.queries).toHaveLength(1);
  });

  it('NXDOMAIN from the first server is final: the second is never asked', async () => {
    second.setAddresses('only-on-second.test', 'A', ['192.0.2.2']);
    reset(first, second);
    const result = await createResolver(settingsFor([first, second])).resolve('only-on-second.test', 'A');
    expect(result).toMatchObject({ kind: 'empty', reason: 'NXDOMAIN' });
    expect(first.queries).toHaveLength(1);
    expect(second.queries).toHaveLength(0);
  });

  it('lists every server failure when all fail in different ways', async () => {
    first.setBehaviour('mixed-failure.test', 'servfail');
    second.setBehaviour('mixed-failure.test', 'refused');
    const result = await createResolver(settingsFor([first, second])).resolve('mixed-failure.test', 'AAAA');
    expect(result).toMatchObject({ kind: 'failure', reason: `SERVFAIL from ${first.address}; REFUSED from ${second.address}`, cause: 'servfail' });
  });

  it('waits out a slow answer within the timeout', async () => {
    first.setAddresses('slow.test', 'A', ['192.0.2.12']);
    first.setBehaviour('slow.test', { delayMs: 50 });
    reset(first);
    const result = await createResolver(settingsFor([first], { timeoutMs: 2000 })).resolve('slow.test', 'A');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.12'] });
    expect(first.queries).toHaveLength(1);
  });
});

describe('truncation', () => {
  it('retries over TCP when the UDP answer has TC=1', async () => {
    first.setAddresses('tc.test', 'A', ['192.0.2.20', '192.0.2.21']);
    first.setBehaviour('tc.test', 'truncate');
    reset(first);
    const result = await createResolver(settingsFor([first])).resolve('tc.test', 'A');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.20', '192.0.2.21'] });
    expect(transports(first, 'tc.test')).toEqual(['udp', 'tcp']);
  });

  it('gets a set too large for 1232 bytes over TCP, complete', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`);
    first.setAddresses('many.test', 'AAAA', many, 300);
    reset(first);
    const result = await createResolver(settingsFor([first])).resolve('many.test', 'AAAA');
    expect(result.kind).toBe('addresses');
    expect(result.kind === 'addresses' && result.addresses).toHaveLength(150);
    expect(transports(first, 'many.test')).toEqual(['udp', 'tcp']);
  });

  it('truncated, then TCP closed without an answer: a failure after every attempt', async () => {
    first.setBehaviour('tc-fail.test', 'truncate-tcp-fail');
    reset(first);
    const result = await createResolver(settingsFor([first])).resolve('tc-fail.test', 'A');
    expect(result).toEqual({
      kind: 'failure',
      family: 'A',
      reason: `answer from ${first.address} truncated over UDP, and over TCP: ${first.address} closed the TCP connection before answering (2 attempts)`,
      cause: 'unreachable',
      chain: [],
    });
    expect(transports(first, 'tc-fail.test')).toEqual(['udp', 'tcp', 'udp', 'tcp']);
  });

  it.each([
    { behaviour: 'truncate-tcp-garbage' as const, why: 'malformed (record runs past the end)' },
    { behaviour: 'truncate-tcp-wrong-id' as const, why: 'wrong ID' },
  ])('a bad answer over TCP ($behaviour) is a failure at once, not noise to wait out', async ({ behaviour, why }) => {
    const name = `${behaviour}.test`;
    first.setAddresses(name, 'A', ['192.0.2.1']);
    first.setBehaviour(name, behaviour);
    reset(first);
    const result = await createResolver(settingsFor([first])).resolve(name, 'A');
    expect(result).toMatchObject({ kind: 'failure', reason: `answer over TCP from ${first.address} ignored: ${why}`, cause: 'malformed' });
    expect(transports(first, name)).toEqual(['udp', 'tcp']);
  });
});

describe('answers that are not trusted', () => {
  it.each([
    { behaviour: 'wrong-id' as const, why: 'wrong ID ×2' },
    { behaviour: 'wrong-question' as const, why: 'wrong question ×2' },
    { behaviour: 'garbage' as const, why: 'malformed (record runs past the end) ×2' },
  ])('$behaviour over UDP is ignored: the query times out', async ({ behaviour, why }) => {
    const name = `${behaviour}.test`;
    first.setAddresses(name, 'A', ['192.0.2.1']);
    first.setBehaviour(name, behaviour);
    reset(first);
    const result = await createResolver(settingsFor([first], { timeoutMs: SHORT_TIMEOUT_MS })).resolve(name, 'A');
    expect(result).toEqual({
      kind: 'failure',
      family: 'A',
      reason: `no answer from ${first.address} within ${SHORT_TIMEOUT_MS} ms (2 attempts; ignored 2 responses: ${why})`,
      cause: 'timeout',
      chain: [],
    });
    expect(first.queries).toHaveLength(2);
  });

  it('an answer from another port of the server is ignored: the query times out', async () => {
    first.setAddresses('spoofed.test', 'A', ['192.0.2.1']);
    first.setBehaviour('spoofed.test', 'wrong-source');
    reset(first);
    const result = await createResolver(settingsFor([first], { timeoutMs: SHORT_TIMEOUT_MS })).resolve('spoofed.test', 'A');
    expect(result).toEqual({
      kind: 'failure',
      family: 'A',
      reason: `no answer from ${first.address} within ${SHORT_TIMEOUT_MS} ms (2 attempts)`,
      cause: 'timeout',
      chain: [],
    });
    expect(first.queries).toHaveLength(2);
  });

  it("a slow server's answer to a try that already timed out is dropped quietly, not blamed on the retry", async () => {
    const name = 'late.test';
    first.setBehaviour(name, 'drop');
    reset(first);
    // One socket that outlives the test, so the retry and the late answer meet on it.
    const resolver = createResolver(settingsFor([first], { timeoutMs: 1000, attempts: 2 }), { udpSocketsPerServer: 1, udpSocketMaxAgeMs: 60_000 });
    const result = resolver.resolve(name, 'A');
    for (let turn = 0; turn < 500 && first.queries.length < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(first.queries).toHaveLength(2);
    const [firstTry, retry] = first.queries;
    expect(retry!.sourcePort).toBe(firstTry!.sourcePort);
    const lateAnswer = dnsPacket.encode({
      type: 'response',
      id: firstTry!.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: [{ type: 'A', name, class: 'IN' }],
      answers: [{ type: 'A', name, ttl: 60, data: '192.0.2.99' }],
    });
    await first.sendUdp(lateAnswer, firstTry!.sourcePort);
    expect(await result).toEqual({ kind: 'failure', family: 'A', reason: `no answer from ${first.address} within 1000 ms (2 attempts)`, cause: 'timeout', chain: [] });
  });

  it('takes the right answer that follows wrong-ID, wrong-question and garbage messages', async () => {
    first.setAddresses('noisy.test', 'AAAA', ['2001:db8::7']);
    first.setBehaviour('noisy.test', 'bad-then-good');
    reset(first);
    const result = await createResolver(settingsFor([first])).resolve('noisy.test', 'AAAA');
    expect(result).toMatchObject({ kind: 'addresses', addresses: ['2001:db8::7'] });
    expect(first.queries).toHaveLength(1);
  });
});

describe('what goes on the wire', () => {
  it('every query has RD=1 and EDNS0 with a 1232-byte UDP payload, and no ECS unless configured', async () => {
    first.setAddresses('edns.test', 'A', ['192.0.2.1']);
    reset(first);
    await createResolver(settingsFor([first])).resolve('edns.test', 'A');
    expect(first.queries).toEqual([expect.objectContaining({ name: 'edns.test', type: 'A', transport: 'udp', recursionDesired: true, udpPayloadSize: 1232 })]);
    expect(first.queries[0]!.ecs).toBeUndefined();
  });

  it.each([
    { ecs: { family: 1 as const, address: '198.51.100.77', sourcePrefixLength: 24 }, sent: '198.51.100.0' },
    { ecs: { family: 1 as const, address: '203.0.113.200', sourcePrefixLength: 20 }, sent: '203.0.112.0' },
    { ecs: { family: 2 as const, address: '2001:db8:1:2::5', sourcePrefixLength: 48 }, sent: '2001:db8:1::' },
  ])('sends EDNS Client Subnet $ecs.address/$ecs.sourcePrefixLength, host bits zeroed, on every query', async ({ ecs, sent }) => {
    first.setCname('ecs.test', 'ecs-lb.test', 60, { follow: false });
    first.setAddresses('ecs-lb.test', 'A', ['192.0.2.1']);
    reset(first);
    const result = await createResolver(settingsFor([first], { ecs })).resolve('ecs.test', 'A');
    expect(result.kind).toBe('addresses');
    expect(first.queries).toHaveLength(2);
    for (const query of first.queries) {
      expect(query.ecs).toEqual({ family: ecs.family, sourcePrefixLength: ecs.sourcePrefixLength, address: sent });
    }
  });

  describe('the client subnet of an answer must be the one sent (RFC 7871 §7.3)', () => {
    const ecs = { family: 1 as const, address: '198.51.100.77', sourcePrefixLength: 24 };
    it.each([
      { what: 'another scope (the server narrowed or widened it)', answer: { family: 1, sourcePrefixLength: 24, scopePrefixLength: 16, address: '198.51.100.0' } },
      { what: 'scope 0', answer: { family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, address: '198.51.100.0' } },
    ])('an answer with the same subnet and $what is taken', async ({ answer }) => {
      const name = `ecs-ok-${answer.scopePrefixLength}.test`;
      first.setAddresses(name, 'A', ['192.0.2.44']);
      first.setBehaviour(name, { ecs: answer });
      reset(first);
      const result = await createResolver(settingsFor([first], { ecs })).resolve(name, 'A');
      expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.44'] });
      expect(first.queries).toHaveLength(1);
    });

    it('an answer without the option is taken (the server does not use client subnets)', async () => {
      first.setAddresses('ecs-none.test', 'A', ['192.0.2.45']);
      first.setBehaviour('ecs-none.test', { ecs: null });
      reset(first);
      const result = await createResolver(settingsFor([first], { ecs })).resolve('ecs-none.test', 'A');
      expect(result).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.45'] });
      expect(first.queries).toHaveLength(1);
      expect(first.queries[0]!.ecs).toEqual({ family: 1, sourcePrefixLength: 24, address: '198.51.100.0' });
    });

    it.each([
      { what: 'another family', answer: { family: 2, sourcePrefixLength: 24, scopePrefixLength: 24, address: '::' } },
      { what: 'another source prefix length', answer: { family: 1, sourcePrefixLength: 16, scopePrefixLength: 16, address: '198.51.0.0' } },
      { what: 'another address', answer: { family: 1, sourcePrefixLength: 24, scopePrefixLength: 24, address: '203.0.113.0' } },
    ])('an answer whose client subnet has $what is ignored like a wrong ID: the attempt fails', async ({ what, answer }) => {
      const name = `ecs-${what.replaceAll(' ', '-')}.test`;
      first.setAddresses(name, 'A', ['192.0.2.46']);
      first.setBehaviour(name, { ecs: answer });
      second.setAddresses(name, 'A', ['192.0.2.47']);
      reset(first, second);
      const alone = await createResolver(settingsFor([first], { ecs, timeoutMs: SHORT_TIMEOUT_MS })).resolve(name, 'A');
      expect(alone).toEqual({
        kind: 'failure',
        family: 'A',
        reason: `no answer from ${first.address} within ${SHORT_TIMEOUT_MS} ms (2 attempts; ignored 2 responses: client subnet differs from the query ×2)`,
        cause: 'timeout',
        chain: [],
      });
      expect(first.queries).toHaveLength(2);
      // The next server, which echoes the subnet as sent, is then asked and believed.
      const withFallback = await createResolver(settingsFor([first, second], { ecs, timeoutMs: SHORT_TIMEOUT_MS })).resolve(name, 'A');
      expect(withFallback).toMatchObject({ kind: 'addresses', addresses: ['192.0.2.47'] });
      expect(second.queries).toHaveLength(1);
    });
  });

  it('gives every query a random ID, and sends few queries per source port before moving to a new one', async () => {
    const count = 200;
    const budget = 10;
    const names = Array.from({ length: count }, (_, i) => `port-${i}.test`);
    for (const name of names) first.setAddresses(name, 'A', ['192.0.2.1']);
    reset(first);
    const sockets = watchUdpSockets();
    try {
      const resolver = createResolver(settingsFor([first]), { maxConcurrentQueries: 16, queriesPerUdpSocket: budget });
      const results = await Promise.all(names.map((name) => resolver.resolve(name, 'A')));
      expect(results.filter((r) => r.kind === 'addresses')).toHaveLength(count);
    } finally {
      sockets.stop();
    }
    expect(first.queries).toHaveLength(count);
    // Counted per socket object, so a port the OS hands out again later cannot blur the count.
    expect(sockets.created.reduce((sum, socket) => sum + socket.sends, 0)).toBe(count);
    expect(Math.max(...sockets.created.map((socket) => socket.sends))).toBeLessThanOrEqual(budget);
    expect(sockets.created.length).toBeGreaterThanOrEqual(count / budget);
    // On the wire: many source ports (20+ sockets; the OS may reuse a port now and then), each
    // one a port of a socket the resolver opened, and IDs that are not one fixed value.
    const ports = new Set(first.queries.map((q) => q.sourcePort));
    expect(ports.size).toBeGreaterThanOrEqual(count / budget / 2);
    for (const port of ports) expect(sockets.ports()).toContain(port);
    expect(new Set(first.queries.map((q) => q.id)).size).toBeGreaterThan(count / 2);
  });

  it('by default moves to new source ports too (at most 500 queries per socket)', async () => {
    const count = 1200;
    const names = Array.from({ length: count }, (_, i) => `default-port-${i}.test`);
    for (const name of names) first.setAddresses(name, 'A', ['192.0.2.1']);
    reset(first);
    const sockets = watchUdpSockets();
    try {
      const resolver = createResolver(settingsFor([first]));
      await Promise.all(names.map((name) => resolver.resolve(name, 'A')));
    } finally {
      sockets.stop();
    }
    expect(first.queries).toHaveLength(count);
    expect(Math.max(...sockets.created.map((socket) => socket.sends))).toBeLessThanOrEqual(500);
    expect(sockets.created.length).toBeGreaterThanOrEqual(3);
    expect(new Set(first.queries.map((q) => q.sourcePort)).size).toBeGreaterThan(1);
  });

  it('with a socket age limit of 0, every query leaves from a socket of its own', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `age-${i}.test`);
    for (const name of names) first.setAddresses(name, 'A', ['192.0.2.1']);
    reset(first);
    const sockets = watchUdpSockets();
    try {
      const resolver = createResolver(settingsFor([first]), { udpSocketMaxAgeMs: 0 });
      for (const name of names) await resolver.resolve(name, 'A');
    } finally {
      sockets.stop();
    }
    expect(first.queries).toHaveLength(12);
    expect(sockets.created.map((socket) => socket.sends)).toEqual(Array(12).fill(1));
  });

  it('concurrent lookups of the same target and family share one query', async () => {
    first.setAddresses('shared.test', 'A', ['192.0.2.1']);
    first.setAddresses('shared.test', 'AAAA', ['2001:db8::1']);
    reset(first);
    const resolver = createResolver(settingsFor([first]));
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => resolver.resolve('shared.test', 'A')),
      resolver.resolve('SHARED.test.', 'A'),
      resolver.resolve('shared.test', 'AAAA'),
    ]);
    expect(results.map((r) => r.kind)).toEqual(Array(7).fill('addresses'));
    expect(first.queries.map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
    // Once settled, the next lookup asks again (no caching across calls).
    await resolver.resolve('shared.test', 'A');
    expect(first.queries).toHaveLength(3);
  });
});

describe('IPv6 server', () => {
  // ::1 was checked to be bindable on this machine (lo carries ::1/128).
  it('queries a server at [::1]:port over UDP and TCP', async () => {
    const v6 = await startTestDnsServer({ host: '::1' });
    try {
      expect(v6.address).toBe(`[::1]:${v6.port}`);
      v6.setAddresses('v6-server.test', 'AAAA', ['2001:db8::6']);
      v6.setBehaviour('v6-server.test', 'truncate');
      const result = await createResolver(settingsFor([v6])).resolve('v6-server.test', 'AAAA');
      expect(result).toMatchObject({ kind: 'addresses', addresses: ['2001:db8::6'] });
      expect(transports(v6, 'v6-server.test')).toEqual(['udp', 'tcp']);
    } finally {
      await v6.close();
    }
  });
});

describe('many lookups at once', () => {
  it('resolves 3000 names concurrently under the concurrency cap, leaving no socket or timer behind', async () => {
    const count = 3000;
    for (let i = 0; i < count; i++) second.setAddresses(`bulk-${i}.test`, 'A', [`10.0.${i >> 8}.${i & 255}`]);
    reset(second);
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const timersBefore = timers();
    const sockets = watchUdpSockets();
    try {
      const resolver = createResolver(settingsFor([second]), { maxConcurrentQueries: 64 });
      const results = await Promise.all(Array.from({ length: count }, (_, i) => resolver.resolve(`bulk-${i}.test`, 'A')));
      expect(results.filter((r) => r.kind === 'addresses')).toHaveLength(count);
      expect(results[count - 1]).toMatchObject({ addresses: [`10.0.${(count - 1) >> 8}.${(count - 1) & 255}`] });
      expect(second.queries).toHaveLength(count);
      // Pooled sockets are unreferenced (they never hold the process open) and close once idle;
      // a leaked one never does.
      for (let turn = 0; turn < 200 && sockets.created.some((socket) => !socket.closed); turn++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      sockets.stop();
    }
    expect(sockets.created.length).toBeGreaterThan(0);
    expect(sockets.created.filter((socket) => !socket.closed)).toEqual([]);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  });
});

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit, and runs everything', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let active = 0;
    let peak = 0;
    const finished: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setImmediate(resolve));
          active--;
          finished.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(finished.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees the slot when a task throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
