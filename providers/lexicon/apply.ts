import { FAMILIES, type ApplyOutcome, type Family, type RecordSets } from '../../src/model.js';
import type { AddressChange } from '../types.js';
import { BridgeError, type LexiconBridge } from './bridge.js';
import { readName, storedKey, type StoredText } from './records.js';

/**
 * One name's changes through lexicon, which has no transaction and no conditional write:
 * 1. create every new value (with the new TTL), for both families;
 * 2. then delete every old value that is no longer wanted — so the name is never empty;
 * 3. re-read the name (through a fresh lexicon provider object) and report exactly what is there now.
 * A value whose TTL alone differs is left alone: removing it to re-create it could empty the name.
 */
export async function applyName(bridge: LexiconBridge, zone: string, name: string, changes: readonly AddressChange[], provider: string, stored: StoredText): Promise<ApplyOutcome> {
  const failures: string[] = [];
  let uncertain = false;
  let wrote = false;
  const step = async (op: 'create' | 'delete', family: Family, content: string, ttl?: number): Promise<void> => {
    try {
      wrote = true;
      await bridge.call(op, { zone, name, type: family, content, ...(ttl === undefined ? {} : { ttl }) });
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      if (error.kind === 'lost' || error.kind === 'timeout') uncertain = true;
      failures.push(`${op} ${family} ${content}: ${error.message}`);
    }
  };
  for (const change of changes) {
    const before = new Set(change.before?.values ?? []);
    for (const value of change.after?.values ?? []) if (!before.has(value)) await step('create', change.family, value, change.after!.ttl);
  }
  // A failed create stops here: deleting the old values now could leave the name without any.
  if (failures.length === 0) {
    for (const change of changes) {
      const after = new Set(change.after?.values ?? []);
      for (const value of change.before?.values ?? []) {
        if (!after.has(value)) await step('delete', change.family, stored.get(storedKey(name, change.family, value)) ?? value);
      }
    }
  }

  let now: RecordSets;
  try {
    // A new provider object: lexicon providers cache what they read, and a failed write may
    // leave that cache as it was before the write.
    await bridge.call('fresh', { zone });
    now = await readName(bridge, zone, name);
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    return { status: 'unconfirmed', kind: 'unconfirmed', message: `${describeFailures(failures)}could not re-read ${name} after writing: ${error.message}` };
  }
  if (now.conflict !== undefined) {
    return { status: 'not-applied', kind: 'conflict', message: `${describeFailures(failures)}after writing, ${name} holds a ${now.conflict}`, appliedTypes: [] };
  }
  const wanted = new Map(changes.map((change) => [change.family, change.after] as const));
  const off = FAMILIES.filter((family) => wanted.has(family)).flatMap((family) => {
    const want = wanted.get(family) ?? null;
    const have = now[family];
    const sameValues = (have?.values ?? []).join(',') === (want?.values ?? []).join(',');
    if (!sameValues) return [`${family} is ${have ? have.values.join(', ') : 'absent'} (wanted ${want ? want.values.join(', ') : 'none'})`];
    if (want && have && have.ttl !== want.ttl)
      return [
        `${family} has the wanted values but TTL ${have.ttl} (wanted ${want.ttl}; lexicon's ${provider} provider keeps the TTL of an existing record set: change it there once)`,
      ];
    return [];
  });
  if (off.length === 0) return { status: 'applied' };
  const landed = FAMILIES.filter((family) => wanted.has(family) && !off.some((line) => line.startsWith(`${family} `)));
  const message = `${describeFailures(failures)}after writing, ${name} reads: ${off.join('; ')}${landed.length > 0 ? `; ${landed.join(' and ')} written as planned` : ''}`;
  // The record types at this name that now read exactly as planned.
  if (uncertain) return { status: 'unconfirmed', kind: 'unconfirmed', message, appliedTypes: landed };
  return { status: 'not-applied', kind: failures.length > 0 || !wrote ? 'error' : 'rejected', message, appliedTypes: landed };
}

function describeFailures(failures: readonly string[]): string {
  return failures.length === 0 ? '' : `lexicon failed to ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? ` (and ${failures.length - 3} more)` : ''}; `;
}
