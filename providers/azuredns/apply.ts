import type { RecordSet as AzureRecordSet } from '@azure/arm-dns';
import type { AddressChange } from '../types.js';
import type { Logger } from 'pino';
import { normalizeAddressSet } from '../../src/addresses.js';
import { mapLimit } from '../../src/lib/concurrency.js';
import type { ApplyOutcome, Family, RecordType } from '../../src/model.js';
import type { AzureDnsClient } from './client.js';
import { describeAzureDnsError, type AzureDnsFailure, type AzureDnsOperation } from './errors.js';
import { relativeName } from './names.js';
import type { NameState } from './record-sets.js';

export interface RecordSetWriter {
  readonly client: AzureDnsClient;
  readonly resourceGroup: string;
  readonly logger: Logger;
}

/** Names written at the same time; each name's record sets are written one after the other. */
const NAMES_IN_FLIGHT = 4;

/**
 * Writes each changed record set with its own conditional request: If-Match with the ETag as read
 * to update or delete, If-None-Match: * to create, so a record set that someone else changed,
 * created or deleted since the read is refused (412), never overwritten. Azure has no transaction
 * across record sets, so per name the family that gains addresses is written before the one that
 * loses them (an update or create before a delete): a failure between the two leaves the name
 * with more addresses, never with none. The outcome says which types landed.
 */
export async function writeRecordSets(
  writer: RecordSetWriter,
  zone: string,
  states: ReadonlyMap<string, NameState>,
  changes: readonly AddressChange[],
): Promise<Map<string, ApplyOutcome>> {
  const byName = new Map<string, AddressChange[]>();
  for (const change of changes) byName.set(change.name, [...(byName.get(change.name) ?? []), change]);
  const names = [...byName.keys()];
  const outcomes = await mapLimit(names, NAMES_IN_FLIGHT, (name) => writeName(writer, zone, states.get(name), ordered(byName.get(name) ?? [])));
  return new Map(names.map((name, i) => [name, outcomes[i]!]));
}

/** Adding families first, removing ones last; A before AAAA otherwise. */
function ordered(changes: readonly AddressChange[]): AddressChange[] {
  const rank = (change: AddressChange): number => (change.action === 'delete' ? 2 : 0) + (change.family === 'A' ? 0 : 1);
  return [...changes].sort((a, b) => rank(a) - rank(b));
}

async function writeName(writer: RecordSetWriter, zone: string, state: NameState | undefined, changes: readonly AddressChange[]): Promise<ApplyOutcome> {
  const applied: RecordType[] = [];
  for (const change of changes) {
    const failure = await writeOne(writer, zone, state, change);
    if (failure === undefined) {
      applied.push(change.family);
      continue;
    }
    const landed = applied.length > 0 ? { appliedTypes: [...applied] } : {};
    const prefix = applied.length > 0 ? `${applied.join(' and ')} written; ${change.family} not written: ` : '';
    if (failure.kind === 'conflict') {
      return {
        status: 'not-applied',
        kind: 'conflict',
        message: `${prefix}${change.family} changed by someone else since it was read; ${applied.length > 0 ? 'left as it was' : 'nothing applied'} (Azure DNS: ${failure.message})`,
        ...landed,
      };
    }
    if (failure.maybeApplied) return { status: 'unconfirmed', kind: failure.kind, message: `${prefix}${failure.message}`, ...landed };
    return { status: 'not-applied', kind: failure.kind, message: `${prefix}${failure.message}`, ...landed };
  }
  return { status: 'applied', detail: `Azure DNS: ${changes.map((change) => `${change.action} ${change.family}`).join(', ')}` };
}

/** One conditional write; undefined when it landed. */
async function writeOne(writer: RecordSetWriter, zone: string, state: NameState | undefined, change: AddressChange): Promise<AzureDnsFailure | undefined> {
  const { client, resourceGroup } = writer;
  const relative = relativeName(change.name, zone);
  const stored = state?.stored[change.family];
  const operation: AzureDnsOperation = change.action === 'delete' ? 'recordSets.delete' : 'recordSets.createOrUpdate';
  if (change.action !== 'create' && stored === undefined) {
    return {
      kind: 'error',
      message: `no ETag was read for ${change.family} at ${change.name}; nothing written`,
      maybeApplied: false,
      retryable: false,
      refusedBeforeApplying: true,
    };
  }
  try {
    if (change.action === 'delete') {
      await client.call(operation, () => client.dns.recordSets.delete(resourceGroup, zone, relative, change.family, { ifMatch: stored?.etag ?? '' }));
    } else {
      // An existing record set, even an empty one, is updated against its ETag; a new one is created only if none appeared meanwhile.
      const condition = stored !== undefined ? { ifMatch: stored.etag } : { ifNoneMatch: '*' };
      const body: AzureRecordSet = {
        ttl: change.after.ttl,
        ...(stored?.metadata !== undefined ? { metadata: { ...stored.metadata } } : {}),
        ...(change.family === 'A'
          ? { aRecords: change.after.values.map((ipv4Address) => ({ ipv4Address })) }
          : { aaaaRecords: change.after.values.map((ipv6Address) => ({ ipv6Address })) }),
      };
      await client.call(operation, () => client.dns.recordSets.createOrUpdate(resourceGroup, zone, relative, change.family, body, condition));
    }
    writer.logger.info({ zone, name: change.name, family: change.family, action: change.action }, 'Azure DNS wrote the record set');
    return undefined;
  } catch (error) {
    const failure = describeAzureDnsError(error, operation);
    if (failure.kind === 'conflict' && (await alreadyInPlace(writer, zone, relative, change))) {
      // The pipeline does not repeat requests (retries are off), but a proxy may: a write that
      // landed and came back refused on its own replay is in place.
      writer.logger.info({ zone, name: change.name, family: change.family }, 'the refused write is already in place');
      return undefined;
    }
    return failure;
  }
}

/** After a refused write: does the record set already hold exactly what was planned? */
async function alreadyInPlace(writer: RecordSetWriter, zone: string, relative: string, change: AddressChange): Promise<boolean> {
  try {
    const current = await writer.client.call('recordSets.get', () => writer.client.dns.recordSets.get(writer.resourceGroup, zone, relative, change.family));
    if (change.after === null || current.targetResource?.id !== undefined) return false;
    const values = valuesOf(current, change.family);
    return current.ttl === change.after.ttl && values.join(',') === change.after.values.join(',');
  } catch (error) {
    return change.after === null && describeAzureDnsError(error, 'recordSets.get').kind === 'not-found';
  }
}

function valuesOf(recordSet: AzureRecordSet, family: Family): string[] {
  const raw = family === 'A' ? (recordSet.aRecords ?? []).map((record) => record.ipv4Address) : (recordSet.aaaaRecords ?? []).map((record) => record.ipv6Address);
  return normalizeAddressSet(
    family,
    raw.filter((value): value is string => value !== undefined),
  );
}
