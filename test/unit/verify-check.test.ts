import { afterEach, describe, expect, it } from 'vitest';
import { createResolver } from '../../src/resolve/index.js';
import { ConcurrencyLimiter } from '../../src/resolve/limiter.js';
import { checkZone, type ServedReport, type VerifySettings, type VerifyTarget } from '../../src/verify/index.js';
import { startDnsFace, type DnsFace, type FaceRecordSet } from '../support/dns-face.js';

const ZONE = 'example.test';
const faces: DnsFace[] = [];
afterEach(async () => {
  await Promise.all(faces.splice(0).map((face) => face.close()));
});

type Sets = Partial<Record<'A' | 'AAAA', FaceRecordSet>>;

/** A face serving `apex` (mutable) at the zone apex. */
async function face(apex: { current: Sets }, options: { delayMs?: number; nameServers?: string[]; extra?: Record<string, Sets> } = {}): Promise<DnsFace> {
  const started = await startDnsFace({
    zone: ZONE,
    delayMs: options.delayMs,
    nameServers: options.nameServers,
    state: () => new Map([[ZONE, apex.current], ...Object.entries(options.extra ?? {})]),
  });
  faces.push(started);
  return started;
}

const OLD: Sets = { A: { ttl: 300, values: ['192.0.2.1'] } };
const NEW: Sets = { A: { ttl: 300, values: ['192.0.2.2', '192.0.2.10'] }, AAAA: { ttl: 300, values: ['2001:db8::2'] } };
const PLANNED = { A: { ttl: 300, values: ['192.0.2.2', '192.0.2.10'] }, AAAA: { ttl: 300, values: ['2001:db8::2'] } };

function target(writtenAt?: number): VerifyTarget {
  return { name: ZONE, families: ['A', 'AAAA'], planned: PLANNED, ...(writtenAt !== undefined ? { writtenAt } : {}) };
}

async function check(servers: readonly DnsFace[], settings: Partial<VerifySettings>, targets: VerifyTarget[], wait = true): Promise<ServedReport[]> {
  return checkZone(
    { zone: ZONE, settings: { mode: 'require', timeoutMs: 10_000, servers: servers.map((s) => s.address), ...settings }, targets },
    {
      discovery: { resolver: createResolver({ servers: [], timeoutMs: 1000, attempts: 1 }), resolverServers: [], timeoutMs: 1000 },
      wait,
      limiter: new ConcurrencyLimiter(8),
    },
  );
}

describe('served-state check', () => {
  it('finds a record served by every server with one query per server, name and family', async () => {
    const state = { current: NEW };
    const a = await face(state);
    const b = await face(state);
    const [report] = await check([a, b], {}, [target(Date.now())]);
    expect(report!.status).toBe('served');
    expect(report!.servers.map((s) => [s.server, s.status])).toEqual([
      [a.address, 'served'],
      [b.address, 'served'],
    ]);
    expect(report!.servers[0]!.values).toEqual({ A: ['192.0.2.2', '192.0.2.10'], AAAA: ['2001:db8::2'] });
    for (const f of [a, b])
      expect([...f.queries]).toEqual([
        [`${ZONE} A`, 1],
        [`${ZONE} AAAA`, 1],
      ]);
  });

  it('waits for a lagging server (propagating → served) and asks only it again', async () => {
    const state = { current: NEW };
    const fresh = await face(state);
    // The lagging server starts on the old state and shows a change 600 ms after it first sees it.
    const laggingState = { current: OLD };
    const slow = await face(laggingState, { delayMs: 600 });
    laggingState.current = NEW;
    const [report] = await check([fresh, slow], {}, [target(Date.now())]);
    expect(report!.status).toBe('served');
    expect(fresh.queries.get(`${ZONE} A`)).toBe(1);
    expect(slow.queries.get(`${ZONE} A`)).toBeGreaterThan(1);
    expect(report!.seconds).toBeGreaterThan(0);
  });

  it('reports a server still answering the old set after the timeout as diverged, with what it answers', async () => {
    const fresh = await face({ current: NEW });
    const stale = await face({ current: OLD });
    const [report] = await check([fresh, stale], { timeoutMs: 800 }, [target(Date.now())]);
    expect(report!.status).toBe('diverged');
    expect(report!.servers[1]).toEqual({ server: stale.address, status: 'diverged', values: { A: ['192.0.2.1'], AAAA: [] } });
    expect(report!.servers[0]!.status).toBe('served');
  });

  it('in daemon mode reports a written record not yet everywhere as propagating after one round', async () => {
    const fresh = await face({ current: NEW });
    const stale = await face({ current: OLD });
    const [report] = await check([fresh, stale], {}, [target(Date.now())], false);
    expect(report!.status).toBe('propagating');
    expect(report!.servers[1]!.status).toBe('propagating');
    expect(stale.queries.get(`${ZONE} A`)).toBe(1);
  });

  it('checks a record nothing was written to once: a drifted server is diverged at once', async () => {
    const fresh = await face({ current: NEW });
    const drifted = await face({ current: OLD });
    const [report] = await check([fresh, drifted], {}, [target()]);
    expect(report!.status).toBe('diverged');
    expect(drifted.queries.get(`${ZONE} A`)).toBe(1);
    expect(fresh.queries.get(`${ZONE} A`)).toBe(1);
  });

  it('counts a TTL below the planned one as served (decay) and one above it as different', async () => {
    const decayed = await face({ current: { A: { ttl: 120, values: ['192.0.2.2', '192.0.2.10'] }, AAAA: { ttl: 1, values: ['2001:db8::2'] } } });
    const [served] = await check([decayed], {}, [target()]);
    expect(served!.status).toBe('served');
    const longer = await face({ current: { A: { ttl: 3600, values: ['192.0.2.2', '192.0.2.10'] }, AAAA: { ttl: 300, values: ['2001:db8::2'] } } });
    const [diverged] = await check([longer], {}, [target()]);
    expect(diverged!.status).toBe('diverged');
    expect(diverged!.servers[0]!.reason).toBe('A: TTL 3600, planned 300');
  });

  it('says unknown, and why, when no server answers; diverged when only some do', async () => {
    const silent = await face({ current: NEW });
    silent.setSilent(true);
    const [unknown] = await check([silent], {}, [target()]);
    expect(unknown!.status).toBe('unknown');
    expect(unknown!.reason).toContain(`no answer from ${silent.address}`);
    const alive = await face({ current: NEW });
    const [partial] = await check([alive, silent], { timeoutMs: 500 }, [target(Date.now())]);
    expect(partial!.status).toBe('diverged');
    expect(partial!.servers.map((s) => s.status)).toEqual(['served', 'unknown']);
  });

  it('does not count a server that refuses (REFUSED) for or against the record', async () => {
    const serving = await face({ current: NEW });
    // A face asked for a name outside its zone answers REFUSED, as a server that does not hold the zone.
    const refusing = await startDnsFace({ zone: 'other.test', state: () => new Map() });
    faces.push(refusing);
    const [report] = await check([serving, refusing], {}, [target(Date.now())]);
    expect(report!.status).toBe('served');
    expect(report!.servers[1]).toEqual({ server: refusing.address, status: 'unknown', values: {}, reason: 'A: answered REFUSED; AAAA: answered REFUSED' });
    // Asked twice at most, not for the whole timeout.
    expect(refusing.queries.get(`${ZONE} A`)).toBeLessThanOrEqual(2);
  });

  it('expects no records for a family the plan leaves empty', async () => {
    const f = await face({ current: { A: { ttl: 300, values: ['192.0.2.2', '192.0.2.10'] } } });
    const [report] = await checkZone(
      { zone: ZONE, settings: { mode: 'require', timeoutMs: 1000, servers: [f.address] }, targets: [{ name: ZONE, families: ['A', 'AAAA'], planned: { A: PLANNED.A } }] },
      {
        discovery: { resolver: createResolver({ servers: [], timeoutMs: 1000, attempts: 1 }), resolverServers: [], timeoutMs: 1000 },
        wait: true,
        limiter: new ConcurrencyLimiter(4),
      },
    );
    expect(report!.status).toBe('served');
    expect(report!.servers[0]!.values).toEqual({ A: ['192.0.2.2', '192.0.2.10'], AAAA: [] });
  });

  it('finds the servers through the NS set of the zone when none are configured', async () => {
    // One face is resolver and authoritative server at once: it answers NS and the name server's address.
    const state = { current: NEW };
    const f = await face(state, { nameServers: ['ns1.example.test'], extra: { 'ns1.example.test': { A: { ttl: 300, values: ['127.0.0.1'] } } } });
    const server = { host: f.host, port: f.port };
    const [report] = await checkZone(
      { zone: ZONE, settings: { mode: 'require', timeoutMs: 1000 }, targets: [target()] },
      {
        discovery: { resolver: createResolver({ servers: [server], timeoutMs: 1000, attempts: 1 }), resolverServers: [server], timeoutMs: 1000, nsPort: f.port },
        wait: true,
        limiter: new ConcurrencyLimiter(4),
      },
    );
    expect(report!.status).toBe('served');
    expect(report!.servers.map((s) => s.server)).toEqual([`ns1.example.test:${f.port}`]);
    expect(f.queries.get(`${ZONE} NS`)).toBe(1);
  });
});
