import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A reload the server is owed: the file was written (or the served state was found lagging) and
 * the reload command has not succeeded since. Kept in a small hidden file beside the zone file,
 * so it survives a restart and needs nothing writable but the zone's own directory (the root
 * filesystem may be read-only); every run retries the reload until it succeeds.
 */
export interface OwedReload {
  /** When the reload first became owed (ISO 8601). */
  readonly since: string;
  /** Why the last attempt failed. */
  readonly reason: string;
}

export function owedReloadFile(zoneFile: string): string {
  return path.join(path.dirname(zoneFile), `.${path.basename(zoneFile).slice(0, 64)}.reload-owed`);
}

export async function readOwedReload(zoneFile: string): Promise<OwedReload | undefined> {
  let text: string;
  try {
    text = await readFile(owedReloadFile(zoneFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<OwedReload>;
    return { since: typeof parsed.since === 'string' ? parsed.since : new Date(0).toISOString(), reason: typeof parsed.reason === 'string' ? parsed.reason : 'unknown' };
  } catch {
    // A torn or foreign file still means a reload is owed: that is the safe reading.
    return { since: new Date(0).toISOString(), reason: 'unknown' };
  }
}

/** Remembers the owed reload; false when it could not be written (the caller warns, and still fails the records). */
export async function rememberOwedReload(zoneFile: string, owed: OwedReload): Promise<boolean> {
  try {
    await writeFile(owedReloadFile(zoneFile), `${JSON.stringify(owed)}\n`, { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}

export async function forgetOwedReload(zoneFile: string): Promise<void> {
  await unlink(owedReloadFile(zoneFile)).catch(() => undefined);
}
