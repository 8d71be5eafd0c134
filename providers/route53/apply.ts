import { ChangeResourceRecordSetsCommand, GetChangeCommand, type ChangeResourceRecordSetsCommandOutput, type ChangeStatus, type Route53Client } from '@aws-sdk/client-route-53';
import type { Logger } from 'pino';
import { firstLine } from '../../src/lib/errors.js';
import type { ApplyOutcome } from '../../src/model.js';
import { failedOutcome } from '../types.js';
import type { NameChanges } from './batches.js';
import { describeRoute53Error } from './errors.js';
import { fromRoute53Name } from './names.js';
import type { Route53Tuning } from './tuning.js';
import type { HostedZoneRef } from './zones.js';

export interface BatchSender {
  readonly client: Route53Client;
  readonly reader: Route53Client;
  readonly tuning: Route53Tuning;
  readonly logger: Logger;
  readonly waitForSync: boolean;
}

/** Route 53's words when a CHANGE found the records other than they were read. */
const STALE_READ = /but it was not found|values provided do not match|but it already exists|conflicting RRSet|other RRSets exist with the same name/i;

/**
 * Sends one ChangeResourceRecordSets batch and says, for every name in it, what happened. The
 * batch is all-or-nothing at Route 53, so every name in it shares the outcome.
 */
export async function sendBatch(sender: BatchSender, zone: HostedZoneRef, batch: readonly NameChanges[]): Promise<Map<string, ApplyOutcome>> {
  const names = batch.map((entry) => entry.name);
  const same = (outcome: ApplyOutcome): Map<string, ApplyOutcome> => new Map(names.map((name) => [name, outcome]));
  let answer: ChangeResourceRecordSetsCommandOutput;
  try {
    answer = await sender.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        ChangeBatch: {
          Comment: `apexsync: ${names.length === 1 ? names[0] : `${names.length} names`}`,
          Changes: batch.flatMap((entry) => entry.changes),
        },
      }),
    );
  } catch (error) {
    return refusalOutcomes(error, names);
  }
  const changeId = (answer.ChangeInfo?.Id ?? '').replace(/^\/change\//, '');
  if (changeId === '') {
    // Every ChangeResourceRecordSetsResponse carries ChangeInfo.Id. A 2xx without one is some
    // other page (a proxy's or captive portal's HTML, an empty body) that the SDK parsed into an
    // empty answer: the batch may or may not have reached Route 53.
    sender.logger.warn({ zone: zone.name, zoneId: zone.id, names: names.length }, 'the answer to the Route 53 change batch carried no change id');
    return same({ status: 'unconfirmed', kind: 'unconfirmed', message: 'the response carried no change id (it was not a ChangeResourceRecordSetsResponse)' });
  }
  sender.logger.info({ zone: zone.name, zoneId: zone.id, changeId, names: names.length }, 'Route 53 accepted the change batch');
  const status = answer.ChangeInfo?.Status ?? 'PENDING';
  const detail = sender.waitForSync ? await waitUntilInSync(sender, changeId, status) : `Route 53 change ${changeId}: ${status}`;
  return same({ status: 'applied', detail });
}

function refusalOutcomes(error: unknown, names: readonly string[]): Map<string, ApplyOutcome> {
  const failure = describeRoute53Error(error, 'ChangeResourceRecordSets');
  const apiMessage = firstLine(error instanceof Error ? error.message : String(error));
  if (error instanceof Error && error.name === 'InvalidChangeBatch' && STALE_READ.test(apiMessage)) {
    // Route 53 names the record sets it tripped on; the other names only shared the batch.
    const named = new Set([...apiMessage.matchAll(/name='([^']+)'/g)].map((match) => fromRoute53Name(match[1] ?? '')));
    return new Map(
      names.map((name): [string, ApplyOutcome] => [
        name,
        {
          status: 'not-applied',
          kind: 'conflict',
          message:
            named.size === 0 || named.has(name)
              ? `changed by someone else since it was read; nothing applied (Route 53: ${apiMessage})`
              : `another name in the same Route 53 change batch was changed by someone else since it was read; nothing applied (Route 53: ${apiMessage})`,
        },
      ]),
    );
  }
  // The core adds "could not confirm" and "the records may or may not have changed" around it.
  const outcome = failedOutcome(failure);
  return new Map(names.map((name) => [name, outcome]));
}

/** Polls GetChange until INSYNC, bounded by `syncMaxWaitMs`; the change is applied either way. */
async function waitUntilInSync(sender: BatchSender, changeId: string, initial: ChangeStatus | string): Promise<string> {
  const { syncPollDelayMs, syncMaxWaitMs } = sender.tuning;
  const deadline = performance.now() + syncMaxWaitMs;
  let status = initial;
  while (status !== 'INSYNC') {
    if (performance.now() + syncPollDelayMs > deadline) {
      return `Route 53 change ${changeId}: still ${status} after ${Math.round(syncMaxWaitMs / 1000)} s (it is applied and will reach every Route 53 server)`;
    }
    await new Promise((resolve) => setTimeout(resolve, syncPollDelayMs));
    try {
      const answer = await sender.reader.send(new GetChangeCommand({ Id: changeId }));
      if (answer.ChangeInfo?.Status === undefined) {
        return `Route 53 change ${changeId}: applied; could not check INSYNC (the GetChange answer carried no status)`;
      }
      status = answer.ChangeInfo.Status;
    } catch (error) {
      const failure = describeRoute53Error(error, 'GetChange');
      return `Route 53 change ${changeId}: applied; could not check INSYNC (${failure.message})`;
    }
  }
  return `Route 53 change ${changeId}: INSYNC`;
}
