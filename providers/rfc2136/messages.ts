import { TSIG_ERROR, type TsigKey } from '../../src/dns/tsig.js';

/** Plain words for what a server said, shared by reads and updates. Never mentions the secret. */

export function describeKey(key: TsigKey): string {
  return `TSIG key "${key.name}" (${key.algorithm})`;
}

/**
 * A TSIG error in words. A wrong key must read like a credentials problem, never like a network
 * one, and must say which key and algorithm were used so the operator can compare them with the
 * server's `key` statement.
 */
export function tsigErrorWords(error: number, key: TsigKey, server: string): string {
  switch (error) {
    case TSIG_ERROR.BADKEY:
      return `${server} does not know ${describeKey(key)} (NOTAUTH/BADKEY): check the key name and algorithm against the server's key statement`;
    case TSIG_ERROR.BADSIG:
      return `${server} rejected the signature made with ${describeKey(key)} (NOTAUTH/BADSIG): the secret does not match the server's copy of the key`;
    case TSIG_ERROR.BADTIME:
      return `${server} rejected the time in the signature of ${describeKey(key)} (NOTAUTH/BADTIME): this machine's clock and the server's differ by more than 5 minutes`;
    case TSIG_ERROR.BADTRUNC:
      return `${server} rejected the truncated signature of ${describeKey(key)} (BADTRUNC)`;
    default:
      return `${server} rejected the signature made with ${describeKey(key)} (TSIG error ${error})`;
  }
}
