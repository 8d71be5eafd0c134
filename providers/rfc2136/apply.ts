import type { Logger } from 'pino';
import type { ApplyOutcome, Change, FailureKind, RecordSets } from '../../src/model.js';
import { exchange, newMessageId, serverLabel, type Endpoint, type Exchange } from './client.js';
import { RCODE, rcodeName } from '../../src/dns/rcode.js';
import { TSIG_ERROR } from '../../src/dns/tsig.js';
import { describeKey, tsigErrorWords } from './messages.js';
import { queryPrimary } from './query.js';
import { readRecordSets } from './read.js';
import { buildUpdateMessages, type UpdateMessage } from './update-message.js';

/** Sends the zone's changes as few UPDATE messages as the size limit allows; one outcome per name. */
export async function applyChanges(endpoint: Endpoint, zone: string, changes: readonly Change[], logger: Logger): Promise<Map<string, ApplyOutcome>> {
  const outcomes = new Map<string, ApplyOutcome>();
  for (const message of buildUpdateMessages(zone, changes, newMessageId)) {
    logger.debug({ zone, names: message.names, bytes: message.wire.length, server: serverLabel(endpoint) }, 'rfc2136: sending UPDATE');
    const ofMessage = changes.filter((change) => message.names.includes(change.name));
    const result = await exchange(endpoint, message.wire);
    const outcome = await explain(result, outcomeOf(result, endpoint, zone, message), endpoint, zone, ofMessage);
    logger.debug({ zone, names: message.names, outcome }, 'rfc2136: UPDATE outcome');
    const checked = outcome.status === 'applied' ? await readAfterWrite(endpoint, zone, message.names, changes) : undefined;
    for (const name of message.names) outcomes.set(name, checked?.get(name) ?? outcome);
  }
  return outcomes;
}

/**
 * NOERROR is not proof: a server whose update policy skips records it does not allow (PowerDNS
 * with a Lua policy) answers NOERROR all the same. So the names are read back from the primary,
 * and a name whose records are not what was written did not change.
 */
async function readAfterWrite(endpoint: Endpoint, zone: string, names: readonly string[], changes: readonly Change[]): Promise<Map<string, ApplyOutcome>> {
  let read: Map<string, RecordSets>;
  try {
    read = await readRecordSets(
      endpoint,
      zone,
      names,
      changes.some((change) => change.family === 'HTTPS'),
    );
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const outcome: ApplyOutcome = {
      status: 'unconfirmed',
      kind: 'unconfirmed',
      message: `${serverLabel(endpoint)} accepted the update of ${names.join(', ')}, but reading it back failed: ${why}`,
    };
    return new Map(names.map((name) => [name, outcome]));
  }
  const outcomes = new Map<string, ApplyOutcome>();
  for (const name of names) {
    const held = read.get(name);
    const missing = changes.filter((change) => change.name === name && !holds(held, change));
    outcomes.set(
      name,
      missing.length === 0
        ? { status: 'applied' }
        : notApplied(
            'rejected',
            `the server accepted the update but did not apply it (check its update policy): ${serverLabel(endpoint)} still holds ${missing.map((c) => describeHeld(held, c)).join(', ')}`,
          ),
    );
  }
  return outcomes;
}

function holds(held: RecordSets | undefined, change: Change): boolean {
  const set = held?.[change.family];
  if (change.after === null) return set === undefined;
  if (set === undefined || set.ttl !== change.after.ttl || set.values.length !== change.after.values.length) return false;
  const wanted = new Set(change.after.values);
  return set.values.every((value) => wanted.has(value));
}

function describeHeld(held: RecordSets | undefined, change: Change): string {
  const set = held?.[change.family];
  return `${change.family} ${set === undefined ? 'none' : `${set.values.join(' ')} (TTL ${set.ttl})`}`;
}

/**
 * Outcomes that two servers give for reasons other than the usual one, told apart with one more
 * query (only on these failure paths):
 * - Knot answers an update its ACL denies with NOTAUTH and an unsigned BADKEY, as if it did not
 *   know the key. When the same key verifies on a query right now, the key is fine and the ACL
 *   refused the names and types.
 * - PowerDNS compares "RRset exists (value dependent)" prerequisites with the values as stored
 *   text, so a record stored in non-canonical form (an AAAA written by SQL) fails them on every
 *   run. When the names still hold exactly the values read, nobody else changed them.
 */
async function explain(result: Exchange, outcome: ApplyOutcome, endpoint: Endpoint, zone: string, changes: readonly Change[]): Promise<ApplyOutcome> {
  if (outcome.status !== 'not-applied') return outcome;
  const unsignedBadKey = result.kind === 'answer' && result.tsig?.status === 'unsigned-error' && result.tsig.error === TSIG_ERROR.BADKEY;
  if (unsignedBadKey && endpoint.key !== undefined) {
    if (!(await keyVerifies(endpoint, zone))) return outcome;
    return notApplied(
      'auth',
      `${serverLabel(endpoint)} refused to let ${describeKey(endpoint.key)} change ${namesAndTypes(changes)}: its update ACL does not allow it (the server answered NOTAUTH/BADKEY, but the key verified on a query just now). Allow this key to update these types at these names (Knot: acl update-type and update-owner-name); nothing applied`,
    );
  }
  if (outcome.kind === 'conflict' && (await unchangedSinceRead(endpoint, zone, changes))) {
    return notApplied(
      'rejected',
      `${serverLabel(endpoint)} refused the update's prerequisites although it still holds exactly the values read for ${namesAndTypes(changes)}: it compares them as stored text, and a record stored in non-canonical form (for example an AAAA written to PowerDNS's database by SQL, 2600:1f18:0000::1 rather than 2600:1f18::1) never matches. Rewrite those records once through the server (pdnsutil edit-zone, its HTTP API, or nsupdate) or in canonical form in the database; nothing applied`,
    );
  }
  return outcome;
}

/** True when a query signed with the configured key gets a verified answer now. */
async function keyVerifies(endpoint: Endpoint, zone: string): Promise<boolean> {
  try {
    // queryPrimary throws unless the answer's signature verified with the configured key.
    await queryPrimary(endpoint, zone, 'SOA');
    return true;
  } catch {
    return false;
  }
}

/** True when every changed record set still reads as it did before (values only: prerequisites carry no TTL). */
async function unchangedSinceRead(endpoint: Endpoint, zone: string, changes: readonly Change[]): Promise<boolean> {
  let now: Awaited<ReturnType<typeof readRecordSets>>;
  try {
    now = await readRecordSets(
      endpoint,
      zone,
      [...new Set(changes.map((change) => change.name))],
      changes.some((change) => change.family === 'HTTPS'),
    );
  } catch {
    return false;
  }
  return changes.every((change) => {
    const sets = now.get(change.name);
    if (sets === undefined || sets.conflict !== undefined) return false;
    const values = sets[change.family]?.values ?? [];
    const before = change.before?.values ?? [];
    return values.length === before.length && values.every((value, index) => value === before[index]);
  });
}

/** "example.test A, AAAA; www.example.test A" */
function namesAndTypes(changes: readonly Change[]): string {
  const byName = new Map<string, string[]>();
  for (const change of changes) byName.set(change.name, [...(byName.get(change.name) ?? []), change.family]);
  return [...byName].map(([name, families]) => `${name} ${families.join(', ')}`).join('; ');
}

function outcomeOf(result: Exchange, endpoint: Endpoint, zone: string, message: UpdateMessage): ApplyOutcome {
  const server = serverLabel(endpoint);
  const names = message.names.join(', ');
  // The core adds "could not confirm" and "the next run re-reads them"; this says what happened.
  const unconfirmed = (why: string, kind: FailureKind = 'unconfirmed'): ApplyOutcome => ({
    status: 'unconfirmed',
    kind,
    message: `the update of ${names} was sent to ${server}, but ${why}`,
  });
  if (result.kind === 'failed') {
    return result.maybeApplied ? unconfirmed(result.message, 'timeout') : notApplied('unreachable', `could not reach ${server}: ${result.message}; nothing applied`);
  }

  const { tsig, header } = result;
  if (tsig !== undefined && endpoint.key !== undefined) {
    if (tsig.status === 'unsigned-error' || (tsig.status === 'verified' && tsig.error !== 0)) {
      return notApplied('auth', `${tsigErrorWords(tsig.error, endpoint.key, server)}; nothing applied`);
    }
    if (tsig.status === 'unsigned') return unconfirmed(`the answer (${rcodeName(header.rcode)}) was not signed with ${describeKey(endpoint.key)}`);
    if (tsig.status === 'invalid') return unconfirmed(`the answer (${rcodeName(header.rcode)}) is not trusted: ${tsig.reason}`);
  }

  switch (header.rcode) {
    case RCODE.NOERROR:
      return { status: 'applied' };
    case RCODE.YXRRSET:
    case RCODE.NXRRSET:
    case RCODE.YXDOMAIN:
    case RCODE.NXDOMAIN:
      return notApplied(
        'conflict',
        `changed by someone else since it was read; nothing applied (prerequisite failed: ${rcodeName(header.rcode)}${message.names.length > 1 ? ` for one of ${names}` : ''})`,
      );
    case RCODE.REFUSED:
      return notApplied(
        'auth',
        `the server ${server} refused the update (REFUSED): check update-policy for ${names} A/AAAA ${endpoint.key ? `and ${describeKey(endpoint.key)}` : '(no TSIG key is configured)'}; nothing applied`,
      );
    case RCODE.NOTAUTH:
      // Knot answers NOTAUTH where BIND answers REFUSED: an ACL that does not cover these names.
      return notApplied(
        'auth',
        `${server} did not accept the update of ${names} (NOTAUTH): it is not authoritative for zone ${zone}, or its update ACL does not allow ${endpoint.key ? describeKey(endpoint.key) : 'unsigned updates'} to change A/AAAA there; nothing applied`,
      );
    case RCODE.NOTZONE:
      return notApplied('rejected', `${server} says ${names} lie outside zone ${zone} (NOTZONE); nothing applied`);
    case RCODE.FORMERR:
      return notApplied('rejected', `${server} could not parse the update (FORMERR); nothing applied`);
    case RCODE.NOTIMP:
      return notApplied('rejected', `${server} does not accept dynamic updates for zone ${zone} (NOTIMP); nothing applied`);
    case RCODE.SERVFAIL:
      return notApplied('error', `${server} failed to apply the update (SERVFAIL); nothing applied. Is zone ${zone} loaded there, and its journal writable?`);
    default:
      return notApplied('error', `${server} answered ${rcodeName(header.rcode)} to the update; nothing applied`);
  }
}

function notApplied(kind: FailureKind, message: string): ApplyOutcome {
  return { status: 'not-applied', kind, message };
}
