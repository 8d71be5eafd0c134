/**
 * The shared answer reader (src/dns/response.ts) as the RFC 2136 provider uses it: authoritative
 * answers over TCP, SOA owners for zone discovery, a TSIG record at the end, names escaped.
 */
import dnsPacket, { type Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { QueryEncoder } from '../../src/dns/query.js';
import { readResponseTo } from '../../src/dns/response.js';

const encoder = new QueryEncoder({ recursionDesired: false });

function answer(name: string, type: 'A' | 'SOA', fields: { answers?: Answer[]; authorities?: Answer[]; rcode?: number; questionName?: string }): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (fields.rcode ?? 0),
    questions: [{ type, name: fields.questionName ?? name, class: 'IN' }],
    answers: fields.answers ?? [],
    authorities: fields.authorities ?? [],
  });
}

const soa = (name: string): Answer => ({
  type: 'SOA',
  name,
  ttl: 300,
  data: { mname: `ns1.${name}`, rname: `hostmaster.${name}`, serial: 1, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 },
});

/** A TSIG-shaped last record (type 250, class ANY): the reader frames it by RDLENGTH and leaves it alone. */
function withTsig(message: Buffer): Buffer {
  const record = Buffer.concat([Buffer.from([0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 8]), Buffer.alloc(8, 0xaa)]);
  const signed = Buffer.concat([message, record]);
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10);
  return signed;
}

describe('readResponseTo for authoritative queries', () => {
  it('reads the SOA owners of the answer and authority sections, and the AA bit', () => {
    const query = encoder.encode('www.example.test', 'SOA')!;
    const atName = readResponseTo(withTsig(answer('www.example.test', 'SOA', { authorities: [soa('example.test')] })), query, 'www.example.test', undefined);
    expect(atName).toMatchObject({ kind: 'response', response: { rcode: 'NOERROR', authoritative: true, answers: [], soaOwners: ['example.test'] } });
    const apexQuery = encoder.encode('example.test', 'SOA')!;
    const atApex = readResponseTo(answer('example.test', 'SOA', { answers: [soa('Example.TEST')] }), apexQuery, 'example.test', undefined);
    expect(atApex).toMatchObject({ kind: 'response', response: { soaOwners: ['example.test'] } });
  });

  it('reads A records and CNAMEs at the name, the CNAME target escaped', () => {
    const query = encoder.encode('host.example.test', 'A')!;
    const message = answer('host.example.test', 'A', {
      answers: [
        { type: 'CNAME', name: 'host.example.test', ttl: 60, data: 'evil\r\nline.example.test' },
        { type: 'A', name: 'host.example.test', ttl: 60, data: '192.0.2.7' },
      ],
    });
    const verdict = readResponseTo(withTsig(message), query, 'host.example.test', undefined);
    expect(verdict).toEqual({
      kind: 'response',
      response: {
        rcode: 'NOERROR',
        truncated: false,
        authoritative: true,
        soaOwners: [],
        answers: [
          { name: 'host.example.test', type: 'CNAME', ttl: 60, data: 'evil\\013\\010line.example.test' },
          { name: 'host.example.test', type: 'A', ttl: 60, data: '192.0.2.7' },
        ],
      },
    });
  });

  it('an answer to another question is ignored, an address with a bad RDLENGTH is not trusted', () => {
    const query = encoder.encode('host.example.test', 'A')!;
    expect(readResponseTo(answer('host.example.test', 'A', { questionName: 'other.example.test' }), query, 'host.example.test', undefined)).toEqual({
      kind: 'ignored',
      why: 'wrong question',
    });
    const good = answer('host.example.test', 'A', { answers: [{ type: 'A', name: 'host.example.test', ttl: 60, data: '192.0.2.7' }] });
    // RDLENGTH 4 → 5, with one more byte at the end: the record's data no longer is an address.
    const bad = Buffer.concat([good, Buffer.from([0])]);
    bad.writeUInt16BE(5, good.length - 6);
    expect(readResponseTo(bad, query, 'host.example.test', undefined)).toEqual({ kind: 'invalid', reason: 'malformed answer: A record with 5 bytes of data (expected 4)' });
  });
});
