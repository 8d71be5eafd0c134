import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { capabilitiesOf as lexiconCapabilities, lexiconSettings } from '../../providers/lexicon/settings.js';
import { interpreterFor } from '../../providers/lexicon/interpreter.js';
import { capabilitiesOf as powerdnsCapabilities, powerdnsSettings } from '../../providers/powerdns/settings.js';
import { Secret } from '../../src/lib/secret.js';

describe('powerdns settings', () => {
  it('defaults serverId and timeoutMs, keeps the API key a Secret, declares one atomic PATCH without CAS', () => {
    const settings = powerdnsSettings.parse({ type: 'powerdns', url: 'http://127.0.0.1:8081', apiKey: 'k3y-value' });
    expect(settings.serverId).toBe('localhost');
    expect(settings.timeoutMs).toBe(10_000);
    expect(settings.apiKey).toBeInstanceOf(Secret);
    expect(inspect(settings)).not.toContain('k3y-value');
    expect(powerdnsCapabilities(settings)).toEqual({ atomicity: 'zone', compareAndSwap: false, ttl: { min: 0, max: 2_147_483_647 }, recordTypes: ['A', 'AAAA', 'HTTPS'] });
  });

  it('refuses a URL that is not http(s), a missing key and a serverId with a slash', () => {
    expect(powerdnsSettings.safeParse({ type: 'powerdns', url: 'ftp://x', apiKey: 'k' }).success).toBe(false);
    expect(powerdnsSettings.safeParse({ type: 'powerdns', url: 'http://x:8081' }).success).toBe(false);
    expect(powerdnsSettings.safeParse({ type: 'powerdns', url: 'http://x:8081', apiKey: 'k', serverId: '../zones' }).success).toBe(false);
  });
});

describe('lexicon settings', () => {
  it('makes every option value a Secret except the known-harmless ones; no CAS, no atomicity', () => {
    const settings = lexiconSettings.parse({
      type: 'lexicon',
      provider: 'powerdns',
      options: { auth_token: 'tok-123456', pdns_server: 'http://127.0.0.1:8081', auth_username: 'me@example.com', priority: 5 },
    });
    expect(settings.options.get('auth_token')).toBeInstanceOf(Secret);
    expect(settings.options.get('auth_username')).toBeInstanceOf(Secret);
    expect(settings.options.get('priority')).toBeInstanceOf(Secret);
    expect(settings.options.get('pdns_server')).toBe('http://127.0.0.1:8081');
    expect(inspect(settings)).not.toContain('tok-123456');
    expect(inspect(settings)).not.toContain('me@example.com');
    expect(settings.command).toBe('/usr/bin/python3');
    expect(lexiconCapabilities(settings)).toMatchObject({ atomicity: 'none', compareAndSwap: false });
  });

  it('refuses a provider name or option name lexicon could not have', () => {
    expect(lexiconSettings.safeParse({ type: 'lexicon', provider: 'Go Daddy' }).success).toBe(false);
    expect(lexiconSettings.safeParse({ type: 'lexicon', provider: 'godaddy', options: { '--auth-key': 'x' } }).success).toBe(false);
  });
});

describe('the Python the lexicon helper runs with', () => {
  it('is the command itself when it is a Python, else the interpreter on the #! line of the lexicon script', () => {
    expect(interpreterFor('/usr/bin/python3')).toBe('/usr/bin/python3');
    // Debian's /usr/bin/lexicon starts with #!/usr/bin/python3: found on PATH by name.
    expect(interpreterFor('lexicon', '/usr/local/bin:/usr/bin')).toBe('/usr/bin/python3');
    expect(interpreterFor('/usr/bin/lexicon')).toBe('/usr/bin/python3');
  });
});
