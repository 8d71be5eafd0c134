import { ConfigError, loadConfig } from '../../config/index.js';
import { formatServerAddress } from '../../dns/server-address.js';
import { errorMessage } from '../../lib/errors.js';
import { print, printError, UsageError } from '../output.js';

export interface HealthcheckOptions {
  readonly config?: string;
  readonly url?: string;
  readonly timeout: string;
}

/**
 * `apexsync healthcheck`: asks a running daemon's /readyz, for Docker's HEALTHCHECK in an image
 * without curl. Exit 0 when ready, 1 otherwise — also for an unreadable config, because Docker
 * reserves exit code 2.
 */
export async function healthcheckCommand(options: HealthcheckOptions): Promise<number> {
  const timeoutMs = Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError(`--timeout ${options.timeout}: expected milliseconds`);
  let url: string;
  try {
    url = options.url !== undefined ? readyzUrl(options.url) : urlFromConfig(options.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) printError(problem);
    return 1;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    print(`${response.ok ? 'ready' : `not ready (HTTP ${response.status})`}: ${summarize(body)}\n`);
    return response.ok ? 0 : 1;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    printError(`no answer from ${url}: ${errorMessage(error)}${cause}`);
    return 1;
  }
}

function readyzUrl(text: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new UsageError(`--url ${text}: not a URL`);
  }
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/readyz';
  return parsed.toString();
}

/** server.listen of the config; a wildcard address is asked on loopback. */
function urlFromConfig(file: string | undefined): string {
  const config = loadConfig(file !== undefined ? { file } : {});
  const { host, port } = config.server.listen;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${formatServerAddress({ host: reachable, port })}/readyz`;
}

/** One line out of the /readyz document: the stale records and why. */
function summarize(body: string): string {
  try {
    const document = JSON.parse(body) as { records?: number; stale?: Array<{ record?: string; reason?: string }> };
    const stale = document.stale ?? [];
    if (stale.length === 0) return `${document.records ?? '?'} record(s) in sync`;
    return stale.map((s) => `${s.record ?? '?'}: ${s.reason ?? '?'}`).join('; ');
  } catch {
    return body.trim().slice(0, 200);
  }
}
