import { encodeName } from '../../src/dns/names.js';
import { recordRdata, encodeRecord, familyType } from '../../src/dns/records.js';
import { CLASS, HEADER_BYTES, OPCODE_UPDATE, TYPE } from '../../src/dns/wire.js';
import type { Change } from '../../src/model.js';

/**
 * RFC 2136 UPDATE messages for one zone. Every name's changes (A and AAAA) travel in one message
 * with prerequisites that assert exactly the state that was read (compare-and-swap):
 * - create: "RRset does not exist" (class NONE, empty RDATA, RFC 2136 §2.4.3);
 * - update/delete: "RRset exists (value dependent)" with every old value (class IN, TTL 0, §2.4.2).
 * Then "delete RRset" (class ANY, empty RDATA, §2.5.2) and the new records. The server applies
 * all of a message or none of it, so names share a message until it would exceed a TCP message.
 */

/** Room left for the TSIG record under the 65535-byte TCP message limit. */
export const MAX_UPDATE_BYTES = 65_535 - 1_024;

export interface UpdateMessage {
  /** The names whose changes it carries, in the order they came. */
  readonly names: readonly string[];
  /** The unsigned message. */
  readonly wire: Buffer;
}

interface NameSections {
  readonly name: string;
  readonly prerequisites: Buffer[];
  readonly updates: Buffer[];
}

export function buildUpdateMessages(zone: string, changes: readonly Change[], newId: () => number, maxBytes = MAX_UPDATE_BYTES): UpdateMessage[] {
  const zoneSection = Buffer.concat([encodeName(zone), u16(TYPE.SOA), u16(CLASS.IN)]);
  const messages: UpdateMessage[] = [];
  let pending: NameSections[] = [];
  let pendingBytes = HEADER_BYTES + zoneSection.length;
  for (const sections of sectionsByName(changes)) {
    const bytes = [...sections.prerequisites, ...sections.updates].reduce((sum, record) => sum + record.length, 0);
    if (pending.length > 0 && pendingBytes + bytes > maxBytes) {
      messages.push(encodeMessage(newId(), zoneSection, pending));
      pending = [];
      pendingBytes = HEADER_BYTES + zoneSection.length;
    }
    pending.push(sections);
    pendingBytes += bytes;
  }
  if (pending.length > 0) messages.push(encodeMessage(newId(), zoneSection, pending));
  return messages;
}

function sectionsByName(changes: readonly Change[]): NameSections[] {
  const byName = new Map<string, NameSections>();
  for (const change of changes) {
    let sections = byName.get(change.name);
    if (!sections) {
      sections = { name: change.name, prerequisites: [], updates: [] };
      byName.set(change.name, sections);
    }
    const type = familyType(change.family);
    if (change.action === 'create') {
      sections.prerequisites.push(encodeRecord(change.name, type, CLASS.NONE, 0));
    } else {
      for (const value of change.before.values) {
        sections.prerequisites.push(encodeRecord(change.name, type, CLASS.IN, 0, recordRdata(change.family, value)));
      }
      sections.updates.push(encodeRecord(change.name, type, CLASS.ANY, 0));
    }
    if (change.action !== 'delete') {
      for (const value of change.after.values) {
        sections.updates.push(encodeRecord(change.name, type, CLASS.IN, change.after.ttl, recordRdata(change.family, value)));
      }
    }
  }
  return [...byName.values()];
}

function encodeMessage(id: number, zoneSection: Buffer, names: readonly NameSections[]): UpdateMessage {
  const prerequisites = names.flatMap((n) => n.prerequisites);
  const updates = names.flatMap((n) => n.updates);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(OPCODE_UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(prerequisites.length, 6); // PRCOUNT
  header.writeUInt16BE(updates.length, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT (TSIG is appended by the signer)
  return { names: names.map((n) => n.name), wire: Buffer.concat([header, zoneSection, ...prerequisites, ...updates]) };
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}
