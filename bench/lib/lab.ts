import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBind, type BindServer } from '../../test/support/bind.js';
import { relativeName, staleAddresses, targetAddresses, targetZoneLines, TARGET_TTL, TARGET_ZONE, type ManagedRecord } from './fixtures.js';

/**
 * One real BIND 9 on loopback for the whole benchmark (test/support/bind.ts): it serves the target
 * zone (10 000 names, what every apexsync run resolves) and the apex zone `example.test`, the
 * RFC 2136 provider's primary, preloaded with every managed name the RFC 2136 scenarios use, in
 * the state each scenario starts from. apexsync and the shell loop both sign with the admin key
 * (update-policy `zonesub ANY`): the benchmark measures the client, not BIND's ACL walk.
 */
export interface Lab {
  readonly bind: BindServer;
  /** Scratch folder for configs and zone files. */
  readonly dir: string;
  close(): Promise<void>;
}

export const APEX_ZONE = 'example.test';

export interface ApexPreload {
  /** Names that start with stale addresses (need an update). */
  readonly stale: readonly ManagedRecord[];
  /** Names that start equal to their targets (in sync). */
  readonly inSync: readonly ManagedRecord[];
}

export async function startLab(preload: ApexPreload): Promise<Lab> {
  const apexRecords = [
    ...preload.stale.flatMap((r) => recordLines(r, staleAddresses(r.targetIndex))),
    ...preload.inSync.flatMap((r) => recordLines(r, targetAddresses(r.targetIndex))),
  ];
  const bind = await startBind({ targetZone: TARGET_ZONE, targetRecords: targetZoneLines(), apexZone: APEX_ZONE, apexRecords });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'apexsync-bench-'));
  return {
    bind,
    dir,
    async close() {
      await bind.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function recordLines(record: ManagedRecord, addresses: { A: string; AAAA: string }): string[] {
  const owner = relativeName(record.name, APEX_ZONE);
  return [`${owner} ${TARGET_TTL} A ${addresses.A}`, `${owner} ${TARGET_TTL} AAAA ${addresses.AAAA}`];
}

/** The TSIG settings of the RFC 2136 provider, the secret read from $TSIG_SECRET. */
export function rfc2136Settings(lab: Lab, server: string): string {
  const key = lab.bind.adminKey;
  return `{ type: rfc2136, server: "${server}", tsig: { name: ${key.name}, algorithm: ${key.algorithm}, secret: "\${TSIG_SECRET}" } }`;
}

/** Moves targets to another generation of addresses (a real dynamic update of the target zone). */
export async function changeTargets(lab: Lab, indexes: readonly number[], generation: number, ttl = TARGET_TTL): Promise<void> {
  // One UPDATE message per few hundred names keeps each under the 64 KB TCP message limit.
  for (let start = 0; start < indexes.length; start += 200) {
    const commands = indexes.slice(start, start + 200).flatMap((i) => {
      const { A, AAAA } = targetAddresses(i, generation);
      const owner = `t${i}.${TARGET_ZONE}.`;
      return [`update delete ${owner} A`, `update add ${owner} ${ttl} A ${A}`, `update delete ${owner} AAAA`, `update add ${owner} ${ttl} AAAA ${AAAA}`];
    });
    await lab.bind.nsupdate(TARGET_ZONE, commands);
  }
}
