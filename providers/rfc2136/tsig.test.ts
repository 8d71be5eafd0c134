import { describe, expect, it } from 'vitest';
import { computeMac, signMessage, splitTsig, verifyResponse, type TsigAlgorithm, type TsigKey } from '../../src/dns/tsig.js';

/**
 * Requests signed by BIND's own `dig -y ALG:Test-Key.Example:SECRET Example.Test AAAA` (9.18),
 * captured on a UDP socket: an independent implementation's MACs that ours must reproduce.
 */
const DIG_VECTORS: ReadonlyArray<{ algorithm: TsigAlgorithm; secret: string; wire: string }> = [
  {
    algorithm: 'hmac-sha256',
    secret: 'c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0yNTYtYml0cyE=',
    wire: '383200200001000000000002074578616d706c65045465737400001c000100002904d000000000000c000a0008de5718fbe2e500aa08746573742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006b02548c012c0020c010a44a0a78156cd60c693b89c0a70e004cf5b5b1189c6dbce256d8d3ce186a383200000000',
  },
  {
    algorithm: 'hmac-sha512',
    secret: 'c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS01MTItYml0cyEhIHNlY3JldC1rZXktZm9yLXRlc3RzLW9ubHk=',
    wire: '4eb100200001000000000002074578616d706c65045465737400001c000100002904d000000000000c000a0008a2d44e8481c134f708746573742d6b6579076578616d706c650000fa00ff00000000005d0b686d61632d7368613531320000006b02548c012c00406b689c019877adaa20e5b251296017d61d26113e8dc98fd5e8e9a67ad4c4f0d544f97e92f0b7a71b29adac04acb66a61a49f23dc2c3a98aa7a6a7ecc00638dcd4eb100000000',
  },
  {
    algorithm: 'hmac-sha1',
    secret: 'c2VjcmV0LWtleS1mb3ItdGVzdHMtc2hhMQ==',
    wire: 'cba800200001000000000002074578616d706c65045465737400001c000100002904d000000000000c000a0008dd7e9ebbd2d3313408746573742d6b6579076578616d706c650000fa00ff00000000002f09686d61632d736861310000006b02548c012c001404b404fb0a5ad122dee575f30181a7bc642789bccba800000000',
  },
];

function keyOf(algorithm: TsigAlgorithm, secret: string): TsigKey {
  return { name: 'test-key.example', algorithm, secret: Buffer.from(secret, 'base64') };
}

describe('TSIG MAC (RFC 8945)', () => {
  it.each(DIG_VECTORS)('reproduces the MAC dig computed with $algorithm', ({ algorithm, secret, wire }) => {
    const split = splitTsig(Buffer.from(wire, 'hex'));
    expect(split).toBeDefined();
    const { record, unsigned } = split!;
    expect(record.keyName).toBe('test-key.example');
    expect(record.algorithm).toBe(algorithm);
    expect(record.fudge).toBe(300);
    expect(unsigned.readUInt16BE(10)).toBe(1); // ARCOUNT without the TSIG record (the OPT stays)
    expect(computeMac(keyOf(algorithm, secret), unsigned, record).toString('hex')).toBe(record.mac.toString('hex'));
    // A different secret gives a different MAC (the comparison above can fail).
    expect(computeMac(keyOf(algorithm, 'b3RoZXI='), unsigned, record).equals(record.mac)).toBe(false);
  });

  it('signs a message so that splitting it gives back the original message and a verifiable MAC', () => {
    const key = keyOf('hmac-sha256', DIG_VECTORS[0]!.secret);
    const message = Buffer.from(DIG_VECTORS[0]!.wire, 'hex').subarray(0, 12 + 18 + 23); // header, question (Example.Test AAAA IN), OPT with a cookie
    message.writeUInt16BE(1, 10);
    const { signed, mac } = signMessage(Buffer.from(message), key, 1_800_000_000);
    expect(signed.readUInt16BE(10)).toBe(2);
    const split = splitTsig(signed)!;
    expect(split.unsigned.equals(message)).toBe(true);
    expect(split.record.timeSigned).toBe(1_800_000_000);
    expect(split.record.mac.equals(mac)).toBe(true);
    expect(computeMac(key, split.unsigned, split.record).equals(mac)).toBe(true);
  });

  it('verifies a response only with the request MAC it answers, and within the time window', () => {
    const key = keyOf('hmac-sha256', DIG_VECTORS[0]!.secret);
    const request = signMessage(Buffer.from('abcd01000001000000000000' + '0000060001', 'hex'), key, 1_800_000_000);
    // The "server" signs its response over the request MAC (RFC 8945 §5.3).
    const responseBody = Buffer.from('abcd85000001000000000000' + '0000060001', 'hex');
    const variables = { timeSigned: 1_800_000_010, fudge: 300, error: 0, otherData: Buffer.alloc(0) };
    const responseMac = computeMac(key, responseBody, variables, request.mac);
    const forged = signMessage(responseBody, key, 1_800_000_010); // signed without the request MAC
    const response = Buffer.concat([forged.signed.subarray(0, forged.signed.length - 6 - 2 - 32), u16(32), responseMac, forged.signed.subarray(forged.signed.length - 6)]);

    expect(verifyResponse(response, key, request.mac, 1_800_000_020)).toEqual({ status: 'verified', error: 0 });
    expect(verifyResponse(forged.signed, key, request.mac, 1_800_000_020)).toMatchObject({ status: 'invalid' });
    expect(verifyResponse(response, key, request.mac, 1_800_000_020 + 400)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('time') });
    expect(verifyResponse(responseBody, key, request.mac, 1_800_000_020)).toEqual({ status: 'unsigned' });
    const tampered = Buffer.from(response);
    tampered.writeUInt8(tampered.readUInt8(3) ^ 0x04, 3);
    expect(verifyResponse(tampered, key, request.mac, 1_800_000_020)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('MAC') });
    const otherKey = { ...key, name: 'someone-else' };
    expect(verifyResponse(response, otherKey, request.mac, 1_800_000_020)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('not ours') });
  });
});

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}
