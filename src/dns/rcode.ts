/** Response codes (RFC 1035 §4.1.1, RFC 2136 §2.2, RFC 6891 §9) and their names. */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(RCODE).map(([name, code]) => [code, name]));

/** `NOERROR`, `SERVFAIL`, …; `RCODE 23` for a code without a name here. */
export function rcodeName(rcode: number): string {
  return NAMES.get(rcode) ?? `RCODE ${rcode}`;
}
