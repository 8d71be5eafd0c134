import ipaddr from 'ipaddr.js';
import { parseSvcbPresentation, SVC_KEY, svcKeyName } from '../../src/dns/svcb.js';

/** The SvcParamKeys PowerDNS 4.7 knows by name; it writes any other as `keyNNNN`. */
const NAMED_KEYS = new Set<number>([SVC_KEY.mandatory, SVC_KEY.alpn, SVC_KEY.noDefaultAlpn, SVC_KEY.port, SVC_KEY.ipv4hint, SVC_KEY.ech, SVC_KEY.ipv6hint]);

/**
 * An HTTPS record (canonical presentation, as the planner holds it) in the one form PowerDNS
 * accepts through its API: it re-prints what it parsed and refuses content that differs from
 * that ("Not in expected format"). Its form: keys in order, `alpn` unquoted with `\\,` inside an
 * id, `ech` and `keyNNNN` values quoted, keys it has no name for (dohpath, ohttp) as `keyNNNN`,
 * hints as comma lists. Reading needs no counterpart: the codec parses PowerDNS's form.
 */
export function powerdnsHttpsContent(value: string): string {
  const record = parseSvcbPresentation(value);
  return [String(record.priority), record.target === '' ? '.' : `${record.target}.`, ...[...record.params].map(([key, data]) => param(key, data))].join(' ');
}

function param(key: number, data: Uint8Array): string {
  const name = keyName(key);
  switch (key) {
    case SVC_KEY.mandatory:
      return `${name}=${chunks(data, 2)
        .map((pair) => keyName((pair[0]! << 8) | pair[1]!))
        .join(',')}`;
    case SVC_KEY.alpn:
      return `${name}=${alpnIds(data).map(escapeAlpnId).join(',')}`;
    case SVC_KEY.noDefaultAlpn:
      return name;
    case SVC_KEY.port:
      return `${name}=${(data[0]! << 8) | data[1]!}`;
    case SVC_KEY.ipv4hint:
    case SVC_KEY.ipv6hint:
      return `${name}=${chunks(data, key === SVC_KEY.ipv4hint ? 4 : 16)
        .map((bytes) => addressText(bytes))
        .join(',')}`;
    case SVC_KEY.ech:
      return `${name}="${Buffer.from(data).toString('base64')}"`;
    default:
      return `${name}="${escapeBytes(data, '')}"`;
  }
}

function keyName(key: number): string {
  return NAMED_KEYS.has(key) ? svcKeyName(key) : `key${key}`;
}

function chunks(data: Uint8Array, width: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += width) out.push(data.subarray(i, i + width));
  return out;
}

function alpnIds(data: Uint8Array): Uint8Array[] {
  const ids: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += 1 + data[i]!) ids.push(data.subarray(i + 1, i + 1 + data[i]!));
  return ids;
}

/** An alpn id unquoted: a comma inside it is `\\,` (RFC 9460 value-list escaping, then char-string escaping). */
function escapeAlpnId(id: Uint8Array): string {
  return escapeBytes(id, ',');
}

/** Printable ASCII as is (`"` and `\` escaped), other bytes as `\DDD`; `listSeparator` as `\\,`. */
function escapeBytes(data: Uint8Array, listSeparator: string): string {
  let text = '';
  for (const byte of data) {
    const c = String.fromCharCode(byte);
    if (listSeparator !== '' && c === listSeparator) text += `\\\\${c}`;
    else if (c === '\\') text += listSeparator === '' ? '\\\\' : '\\\\\\\\';
    else if (c === '"' || (listSeparator !== '' && c === ' ')) text += `\\${c}`;
    else if (byte < 0x20 || byte > 0x7e) text += `\\${String(byte).padStart(3, '0')}`;
    else text += c;
  }
  return text;
}

function addressText(bytes: Uint8Array): string {
  const address = ipaddr.fromByteArray([...bytes]);
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}
