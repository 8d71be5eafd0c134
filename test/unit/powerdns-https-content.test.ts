import { describe, expect, it } from 'vitest';
import { powerdnsHttpsContent } from '../../providers/powerdns/https-content.js';

// The forms PowerDNS 4.7 prints for these records (pdnsutil list-zone); its API refuses any other.
describe('powerdnsHttpsContent', () => {
  it('writes alpn unquoted, ech quoted, hints as lists', () => {
    expect(powerdnsHttpsContent('1 . alpn="h3,h2" ipv4hint=1.2.3.4,5.6.7.8 ech=AEX+DQBBpQAgACB/bfoHyjM0eaqF ipv6hint=2001:db8:0:0::1')).toBe(
      '1 . alpn=h3,h2 ipv4hint=1.2.3.4,5.6.7.8 ech="AEX+DQBBpQAgACB/bfoHyjM0eaqF" ipv6hint=2001:db8::1',
    );
  });

  it('writes key lists, flags, ports, an AliasMode target, and keys PowerDNS has no name for as keyNNNN', () => {
    expect(powerdnsHttpsContent('1 . mandatory=alpn,port alpn=h2 no-default-alpn port=8443')).toBe('1 . mandatory=alpn,port alpn=h2 no-default-alpn port=8443');
    expect(powerdnsHttpsContent('0 Pool.Example.NET.')).toBe('0 pool.example.net.');
    expect(powerdnsHttpsContent('1 . dohpath=/q{?dns} key65000="x y"')).toBe('1 . key7="/q{?dns}" key65000="x y"');
  });

  it('escapes a comma inside an alpn id the way PowerDNS prints it', () => {
    expect(powerdnsHttpsContent('1 . alpn="a\\\\,b,c"')).toBe('1 . alpn=a\\\\,b,c');
  });
});
