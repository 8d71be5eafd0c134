import { realpath, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { describeFsError } from '../../src/lib/errors.js';
import type { ApplyOutcome, Change, FailureKind } from '../../src/model.js';
import { ProviderError } from '../types.js';
import { ChangedMeanwhileError, ReplacedMeanwhileError, writeFileAtomically } from './atomic-write.js';
import { checkNameChanges } from './compare-and-swap.js';
import { EditError, editZone, type RRsetEdit } from './edit.js';
import { loadZoneFile, parseZoneText, ZONE_ENCODING } from './load.js';
import { runReloadCommand, type ReloadResult } from './reload.js';
import { forgetOwedReload, owedReloadFile, readOwedReload, rememberOwedReload } from './reload-owed.js';
import { nextSerial } from './serial.js';
import { findUnintendedChange } from './verify.js';

/**
 * One apply: re-read the file, keep the names whose A/AAAA are still as they were read
 * (compare-and-swap; the others are 'conflict' and the rest still go), rewrite only their lines,
 * bump the SOA serial once, check the result reads back as intended, replace the file atomically,
 * then run the reload command.
 *
 * A failed reload does not undo anything: the file is written and stays the source of truth. But
 * the server does not serve it, so the names are 'unconfirmed' (the run fails), and the reload is
 * remembered as owed: the provider's `heal` retries it on every run until it succeeds.
 */

export interface ZoneFileTarget {
  readonly file: string;
  readonly origin: string | undefined;
  readonly reloadCommand: readonly string[] | undefined;
  readonly reloadTimeoutMs: number;
}

export interface ApplyEnvironment {
  readonly now: () => Date;
  readonly logger: Logger;
}

export async function applyToZoneFile(target: ZoneFileTarget, zoneName: string, changes: readonly Change[], env: ApplyEnvironment): Promise<Map<string, ApplyOutcome>> {
  const outcomes = new Map<string, ApplyOutcome>();
  if (changes.length === 0) return outcomes;
  const changesByName = new Map<string, Change[]>();
  for (const change of changes) {
    const ofName = changesByName.get(change.name);
    if (ofName) ofName.push(change);
    else changesByName.set(change.name, [change]);
  }
  const names = [...changesByName.keys()];
  const refuse = (list: readonly string[], kind: FailureKind, message: string): Map<string, ApplyOutcome> => {
    for (const name of list) outcomes.set(name, { status: 'not-applied', kind, message });
    return outcomes;
  };

  let loaded;
  try {
    loaded = await loadZoneFile(target.file, target.origin);
  } catch (error) {
    return refuse(names, error instanceof ProviderError ? error.kind : 'error', errorText(error));
  }
  const { zone, bytes, identity } = loaded;
  if (zone.origin !== zoneName) return refuse(names, 'rejected', `zone ${zoneName} is not the zone of ${target.file} (its SOA is at ${zone.origin})`);

  const edits: RRsetEdit[] = [];
  const accepted: string[] = [];
  for (const name of names) {
    const verdict = checkNameChanges(zone, name, changesByName.get(name)!);
    if (verdict.ok) {
      edits.push(...verdict.edits);
      accepted.push(name);
    } else {
      outcomes.set(name, verdict.outcome);
    }
  }
  if (edits.length === 0) return outcomes;

  const serial = nextSerial(zone.soa.serial, env.now());
  let text: string;
  try {
    text = editZone(zone, edits, serial);
    const problem = findUnintendedChange(zone, parseZoneText(target.file, text, target.origin), edits, serial);
    if (problem !== undefined) {
      const hint = /^\$TTL\b/im.test(text) ? '' : ' (the file has no $TTL line, so records inherit the last TTL written; adding one avoids this)';
      throw new EditError(`refusing to write ${target.file}: ${problem}${hint}`);
    }
  } catch (error) {
    if (error instanceof EditError || error instanceof ProviderError) return refuse(accepted, 'rejected', error.message);
    throw error;
  }

  try {
    const real = await realpath(target.file);
    const info = await stat(real);
    const written = await writeFileAtomically(real, Buffer.from(text, ZONE_ENCODING), {
      mode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
      expected: { bytes, identity },
    });
    if (!written.directorySynced) env.logger.warn({ file: real }, 'zone file replaced, but its directory could not be fsynced');
  } catch (error) {
    if (error instanceof ChangedMeanwhileError) {
      return refuse(accepted, 'conflict', `${target.file} was changed by someone else while apexsync was writing it; nothing was written`);
    }
    if (error instanceof ReplacedMeanwhileError) {
      // apexsync's version is in place, but another writer's change of that instant was overwritten.
      const message = `${target.file} was replaced by another writer in the instant apexsync replaced it: apexsync's version is in place and that writer's change was overwritten; check the file`;
      env.logger.error({ file: target.file, names: accepted }, message);
      for (const name of accepted) outcomes.set(name, { status: 'unconfirmed', kind: 'conflict', message });
      return outcomes;
    }
    return refuse(accepted, 'error', `could not write ${target.file}: ${describeFsError(error)}; the file is unchanged`);
  }
  env.logger.info({ serial, names: accepted }, 'zone file written');

  let detail = `SOA serial ${zone.soa.serial} → ${serial}`;
  if (target.reloadCommand !== undefined) {
    const reload = await reloadOrOwe(target, env.logger);
    if (!reload.ok) {
      const message = `${target.file} is written (${detail}), but the reload command failed (${reload.reason}); the server still serves the old records, and every run retries the reload until it succeeds`;
      for (const name of accepted) outcomes.set(name, { status: 'unconfirmed', kind: 'error', message });
      return outcomes;
    }
    detail += ', reloaded';
  }
  for (const name of accepted) outcomes.set(name, { status: 'applied', detail });
  return outcomes;
}

/**
 * Runs the reload command; a failure is remembered beside the zone file (reload-owed.ts) so that
 * the next run, even one that finds the file in sync, reloads again.
 */
export async function reloadOrOwe(target: ZoneFileTarget, logger: Logger): Promise<ReloadResult> {
  const reload = await runReloadCommand(target.reloadCommand ?? [], target.reloadTimeoutMs);
  if (reload.ok) {
    await forgetOwedReload(target.file);
    return reload;
  }
  const owed = (await readOwedReload(target.file)) ?? { since: new Date().toISOString(), reason: reload.reason };
  const remembered = await rememberOwedReload(target.file, { since: owed.since, reason: reload.reason });
  logger.warn(
    { reason: reload.reason, remembered },
    remembered
      ? 'the reload command failed; the server may still serve the old records (the reload is retried on every run)'
      : `the reload command failed, and ${owedReloadFile(target.file)} could not be written to remember it: a restart forgets the owed reload`,
  );
  return reload;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
