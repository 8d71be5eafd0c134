import type { Record as CloudDnsRecord, RecordMetadata, Zone } from '@google-cloud/dns';
import type { Logger } from 'pino';
import type { ApplyOutcome, Change, RecordType } from '../../src/model.js';
import { failedOutcome } from '../types.js';
import type { CloudDnsClient, CloudDnsTuning } from './client.js';
import { describeCloudDnsError } from './errors.js';
import { toCloudDnsName } from './names.js';
import { readZoneNames } from './read.js';
import type { NameState, StoredRrset } from './record-sets.js';
import type { ManagedZoneRef } from './zones.js';

/** The parts of the SDK's Change object the adapter uses (the class is not exported). */
interface CloudDnsChange {
  readonly metadata?: { readonly id?: unknown; readonly status?: unknown };
  getMetadata(): Promise<unknown[]>;
}

export interface ChangeSender {
  readonly client: CloudDnsClient;
  readonly tuning: CloudDnsTuning;
  readonly logger: Logger;
}

/**
 * Sends every change of the zone as one `changes.create`: deletions are the record sets exactly
 * as they were read, additions the planned sets. Cloud DNS applies a change all or nothing, and
 * refuses it when a deletion does not match the current data (412 conditionNotMet, or 404 when
 * the set is gone) or an addition already exists (409): that is the compare-and-swap. Every name
 * in the call shares the outcome.
 */
export async function sendChange(
  sender: ChangeSender,
  zone: ManagedZoneRef,
  states: ReadonlyMap<string, NameState>,
  changes: readonly Change[],
): Promise<Map<string, ApplyOutcome>> {
  const names = [...new Set(changes.map((change) => change.name))];
  const same = (outcome: ApplyOutcome): Map<string, ApplyOutcome> => new Map(names.map((name) => [name, outcome]));
  let created: CloudDnsChange;
  try {
    [created] = await sender.client.call('changes.create', (dns) => {
      const managedZone = dns.zone(zone.id);
      const deletions = changes.flatMap((change) => (change.before === null ? [] : [storedSet(managedZone, states, change.name, change.family, change.before)]));
      const additions = changes.flatMap((change) =>
        change.after === null
          ? []
          : [managedZone.record(change.family.toLowerCase(), { name: toCloudDnsName(change.name), ttl: change.after.ttl, data: [...change.after.values] })],
      );
      return managedZone.createChange({ add: additions, delete: deletions });
    });
  } catch (error) {
    const failure = describeCloudDnsError(error, 'changes.create');
    if (failure.status === 412 || failure.status === 409 || (failure.status === 404 && /entity\.change/.test(failure.message))) {
      return same(await conflictOutcome(sender, zone, changes, failure.message));
    }
    return same(failedOutcome({ kind: failure.kind, message: failure.message, maybeApplied: failure.maybeApplied }));
  }
  const changeId = typeof created.metadata?.id === 'string' ? created.metadata.id : undefined;
  if (changeId === undefined) {
    sender.logger.warn({ zone: zone.name, managedZone: zone.id }, 'the answer to changes.create carried no change id');
    return same({ status: 'unconfirmed', kind: 'error', message: 'the response carried no change id (it was not a Cloud DNS change)' });
  }
  sender.logger.info({ zone: zone.name, managedZone: zone.id, changeId, names: names.length }, 'Cloud DNS accepted the change');
  return same({ status: 'applied', detail: await waitUntilDone(sender, created, changeId) });
}

/** The set to delete: as Cloud DNS stores it when it is what was read, else as the core gave it. */
function storedSet(zone: Zone, states: ReadonlyMap<string, NameState>, name: string, family: RecordType, before: { ttl: number; values: readonly string[] }): CloudDnsRecord {
  const read = states.get(name);
  const stored: StoredRrset | undefined = read?.stored[family];
  const seen = read?.sets[family];
  const same = seen !== undefined && seen.ttl === before.ttl && seen.values.length === before.values.length && seen.values.every((value, index) => value === before.values[index]);
  // The listed resource verbatim (kind, name, type, ttl, rrdatas, signatureRrdatas…).
  if (stored !== undefined && same) return zone.record(family.toLowerCase(), { ...stored } as unknown as RecordMetadata);
  return zone.record(family.toLowerCase(), { name: toCloudDnsName(name), ttl: before.ttl, data: [...before.values] });
}

/**
 * A refused change normally means someone else edited the records since they were read. But the
 * SDK repeats a request that got no answer at all, so a change that landed can come back refused
 * on its own replay. Reading the names again tells the two apart: if the zone already holds
 * exactly the planned records, the change is in place.
 */
async function conflictOutcome(sender: ChangeSender, zone: ManagedZoneRef, changes: readonly Change[], apiMessage: string): Promise<ApplyOutcome> {
  const conflict: ApplyOutcome = { status: 'not-applied', kind: 'conflict', message: `changed by someone else since it was read; nothing applied (Cloud DNS: ${apiMessage})` };
  try {
    const names = [...new Set(changes.map((change) => change.name))];
    const now = await readZoneNames(sender.client, zone, names);
    const inPlace = changes.every((change) => {
      const set = now.states.get(change.name)?.sets[change.family];
      if (change.after === null) return set === undefined;
      return set !== undefined && set.ttl === change.after.ttl && set.values.join(',') === change.after.values.join(',');
    });
    if (inPlace) return { status: 'applied', detail: `Cloud DNS refused the change (${apiMessage}), but the zone already holds exactly these records` };
  } catch (error) {
    sender.logger.debug({ zone: zone.name, error: describeCloudDnsError(error, 'resourceRecordSets.list').message }, 'could not re-read after a refused change');
  }
  return conflict;
}

/** Polls changes.get until the change is `done`, bounded; the change is applied either way. */
async function waitUntilDone(sender: ChangeSender, change: CloudDnsChange, changeId: string): Promise<string> {
  const { donePollDelayMs, doneMaxWaitMs } = sender.tuning;
  const deadline = performance.now() + doneMaxWaitMs;
  let status: unknown = change.metadata?.status;
  let delayMs = donePollDelayMs;
  while (status !== 'done') {
    if (performance.now() + delayMs > deadline) {
      return `Cloud DNS change ${changeId}: still ${String(status)} after ${Math.round(doneMaxWaitMs / 1000)} s (it is applied and will reach every Cloud DNS server)`;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 5000);
    try {
      const [metadata] = await sender.client.call('changes.get', () => change.getMetadata());
      status = typeof metadata === 'object' && metadata !== null ? (metadata as { status?: unknown }).status : undefined;
    } catch (error) {
      return `Cloud DNS change ${changeId}: applied; could not check that it is done (${describeCloudDnsError(error, 'changes.get').message})`;
    }
  }
  return `Cloud DNS change ${changeId}: done`;
}
