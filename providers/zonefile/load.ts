import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { identityOf, type FileIdentity } from './file-identity.js';
import path from 'node:path';
import { describeFsError } from '../../src/lib/errors.js';
import { ProviderError } from '../types.js';
import { ZoneSyntaxError } from './errors.js';
import { parseZone, type IncludeReader, type ParsedZone } from './parse.js';

/**
 * Reads and parses the zone file. Text is decoded as latin1 — one character per byte — so a
 * rewrite reproduces every byte it does not mean to change, whatever the encoding of comments.
 */

export interface LoadedZoneFile {
  readonly zone: ParsedZone;
  /** The exact bytes that were parsed (to detect a concurrent edit before the rename). */
  readonly bytes: Buffer;
  /** Which file those bytes came from, as of the read (to detect a file replaced by another). */
  readonly identity: FileIdentity;
}

export const ZONE_ENCODING = 'latin1';

export async function loadZoneFile(file: string, origin: string | undefined): Promise<LoadedZoneFile> {
  let bytes: Buffer;
  let identity: FileIdentity;
  try {
    // One open file for both, so the identity is that of the bytes read.
    const handle = await open(file, 'r');
    try {
      bytes = await handle.readFile();
      identity = identityOf(await handle.stat({ bigint: true }));
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ProviderError('error', `cannot read zone file ${file}: ${describeFsError(error)}`);
  }
  return { zone: parseZoneText(file, bytes.toString(ZONE_ENCODING), origin), bytes, identity };
}

/** Parses `text` as the content of `file`; a file apexsync cannot read with certainty is a ProviderError. */
export function parseZoneText(file: string, text: string, origin: string | undefined): ParsedZone {
  try {
    return parseZone({ file, text, ...(origin === undefined ? {} : { origin }), readInclude: includeReaderFor(file) });
  } catch (error) {
    if (error instanceof ZoneSyntaxError) throw new ProviderError('error', `cannot parse zone file: ${error.message}`);
    throw error;
  }
}

/**
 * $INCLUDE paths are taken relative to the main zone file's folder (named takes them relative to
 * its `directory`, which is where the zone files usually are). Included files are small and rare;
 * reading them synchronously keeps the parser a plain function.
 */
function includeReaderFor(mainFile: string): IncludeReader {
  return (pathText) => {
    const file = path.resolve(path.dirname(mainFile), pathText);
    try {
      return { file, text: readFileSync(file).toString(ZONE_ENCODING) };
    } catch (error) {
      throw new Error(describeFsError(error));
    }
  };
}
