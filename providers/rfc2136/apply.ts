import type { Logger } from 'pino';
import type { ApplyOutcome, Change, FailureKind } from '../../src/model.js';
import { exchange, newMessageId, serverLabel, type Endpoint, type Exchange } from './client.js';
import { RCODE, describeKey, rcodeName, tsigErrorWords } from './messages.js';
import { buildUpdateMessages, type UpdateMessage } from './update-message.js';

/** Sends the zone's changes as few UPDATE messages as the size limit allows; one outcome per name. */
export async function applyChanges(endpoint: Endpoint, zone: string, changes: readonly Change[], logger: Logger): Promise<Map<string, ApplyOutcome>> {
  const outcomes = new Map<string, ApplyOutcome>();
  for (const message of buildUpdateMessages(zone, changes, newMessageId)) {
    logger.debug({ zone, names: message.names, bytes: message.wire.length, server: serverLabel(endpoint) }, 'rfc2136: sending UPDATE');
    const outcome = outcomeOf(await exchange(endpoint, message.wire), endpoint, zone, message);
    logger.debug({ zone, names: message.names, outcome }, 'rfc2136: UPDATE outcome');
    for (const name of message.names) outcomes.set(name, outcome);
  }
  return outcomes;
}

function outcomeOf(result: Exchange, endpoint: Endpoint, zone: string, message: UpdateMessage): ApplyOutcome {
  const server = serverLabel(endpoint);
  const names = message.names.join(', ');
  // The core adds "could not confirm" and "the next run re-reads them"; this says what happened.
  const unconfirmed = (why: string, kind: FailureKind = 'unconfirmed'): ApplyOutcome => ({ status: 'unconfirmed', kind, message: `the update of ${names} was sent to ${server}, but ${why}` });
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
