import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/rfc2136/index.js';
import { rfc2136Settings } from '../../providers/rfc2136/settings.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { providerSession } from '../support/provider-session.js';

let server: TestDnsServer;
beforeAll(async () => {
  server = await startTestDnsServer();
});
afterAll(async () => {
  await server.close();
});

describe('rfc2136 read-after-write', () => {
  it('reports an UPDATE answered NOERROR but not visible at the primary as not applied', async () => {
    server.setAddresses('example.test', 'A', ['192.0.2.53'], 3600);
    server.setAddresses('www.example.test', 'A', ['192.0.2.1'], 60);
    server.setAddresses('ok.example.test', 'A', ['192.0.2.7'], 60);
    server.resetQueries();
    const provider = providerSession(
      createProvider(rfc2136Settings.parse({ type: 'rfc2136', server: server.address, timeoutMs: 2000 }), { id: 'primary', logger: pino({ level: 'silent' }) }),
      'empty',
    );
    try {
      const outcomes = await provider.apply('example.test', [
        { action: 'update', name: 'www.example.test', family: 'A', before: { ttl: 60, values: ['192.0.2.1'] }, after: { ttl: 60, values: ['192.0.2.2'] } },
        { action: 'create', name: 'www.example.test', family: 'AAAA', before: null, after: { ttl: 60, values: ['2001:db8::2'] } },
        // Already what the server holds: visible, so this name counts as applied.
        { action: 'update', name: 'ok.example.test', family: 'A', before: { ttl: 60, values: ['192.0.2.6'] }, after: { ttl: 60, values: ['192.0.2.7'] } },
      ]);
      expect(outcomes.get('www.example.test')).toEqual({
        status: 'not-applied',
        kind: 'rejected',
        message: `the server accepted the update but did not apply it (check its update policy): ${server.address} still holds A 192.0.2.1 (TTL 60), AAAA none`,
      });
      expect(outcomes.get('ok.example.test')).toEqual({ status: 'applied' });
      // One UPDATE, then A and AAAA read back at each of its names.
      expect(server.queries.filter((q) => q.type === 'UPDATE')).toHaveLength(1);
      expect(
        server.queries
          .filter((q) => q.type !== 'UPDATE')
          .map((q) => `${q.name} ${q.type}`)
          .sort(),
      ).toEqual(['ok.example.test A', 'ok.example.test AAAA', 'www.example.test A', 'www.example.test AAAA']);
    } finally {
      await provider.close();
    }
  });
});
