import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/rfc2136/index.js';
import { rfc2136Settings } from '../../providers/rfc2136/settings.js';
import { createResolver } from '../../src/resolve/index.js';
import { ConcurrencyLimiter } from '../../src/resolve/limiter.js';
import { checkServed, type ServedReport } from '../../src/verify/index.js';
import { freePort, startZoneServer, type ZoneServer } from '../support/bind-zone.js';
import { providerSession } from '../support/provider-session.js';

/**
 * Served state against real servers: a BIND primary taking dynamic updates and a BIND secondary
 * that receives the zone by NOTIFY and transfer.
 */

const ZONE = 'example.test';
const ZONE_TEXT = `$ORIGIN example.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 86400 60
  IN NS ns1
  IN NS ns2
ns1 IN A 127.0.0.1
ns2 IN A 127.0.0.1
@ IN A 192.0.2.1
`;

let primary: ZoneServer;
let secondary: ZoneServer;
beforeAll(async () => {
  const secondaryPort = await freePort();
  primary = await startZoneServer({ zone: ZONE, zoneText: ZONE_TEXT, allowUpdate: true, notifyPorts: [secondaryPort] });
  secondary = await startZoneServer({ zone: ZONE, primaryPort: primary.port, port: secondaryPort });
});
afterAll(async () => {
  await Promise.all([primary?.close(), secondary?.close()]);
});

const logger = pino({ level: 'silent' });

/** One rfc2136 write of the apex A set, then the served-state step as a round runs it. */
async function writeAndCheck(values: string[], timeoutMs: number): Promise<ServedReport> {
  const provider = providerSession(createProvider(rfc2136Settings.parse({ type: 'rfc2136', server: primary.address }), { id: 'primary', logger }), 'read');
  try {
    const before = (await provider.read(ZONE, [ZONE])).get(ZONE)!;
    const after = { ttl: 300, values };
    const outcomes = await provider.apply(ZONE, [{ action: 'update', name: ZONE, family: 'A', before: before.A!, after }]);
    expect(outcomes.get(ZONE)).toEqual({ status: 'applied' });
    const writtenAt = Date.now();
    const { served } = await checkServed({
      items: [{ providerId: 'primary', zone: ZONE, target: { name: ZONE, families: ['A', 'AAAA'], planned: { A: after }, writtenAt } }],
      // The primary is always asked; the secondary is named like any other server.
      verify: { primary: { mode: 'require', timeoutMs, servers: [secondary.address], always: [{ host: '127.0.0.1', port: primary.port }] } },
      discovery: { resolver: createResolver({ servers: [], timeoutMs: 1000, attempts: 1 }), resolverServers: [], timeoutMs: 1000 },
      limiter: new ConcurrencyLimiter(8),
      wait: true,
    });
    return served[0]!;
  } finally {
    await provider.close();
  }
}

describe('served state on a BIND primary and its secondary', () => {
  it('a dynamic update is served by both once the secondary has transferred it after NOTIFY', async () => {
    const report = await writeAndCheck(['192.0.2.2', '192.0.2.3'], 30_000);
    expect(report.status).toBe('served');
    expect(report.servers).toEqual([
      { server: primary.address, status: 'served', values: { A: ['192.0.2.2', '192.0.2.3'], AAAA: [] } },
      { server: secondary.address, status: 'served', values: { A: ['192.0.2.2', '192.0.2.3'], AAAA: [] } },
    ]);
    expect(await secondary.addresses(ZONE, 'A')).toEqual(['192.0.2.2', '192.0.2.3']);
  });

  it('diverged when the secondary is stopped: it is named, the primary serves the write', async () => {
    await secondary.stop();
    try {
      const report = await writeAndCheck(['192.0.2.4'], 2_000);
      expect(report.status).toBe('diverged');
      expect(report.servers[0]).toEqual({ server: primary.address, status: 'served', values: { A: ['192.0.2.4'], AAAA: [] } });
      expect(report.servers[1]).toMatchObject({ server: secondary.address, status: 'unknown', values: {}, reason: expect.stringContaining(`no answer from ${secondary.address}`) });
    } finally {
      await secondary.start();
    }
  });
});
