import type { Logger } from 'pino';
import type { HeartbeatSettings } from '../config/types.js';
import type { RunMetrics } from './metrics.js';

export const HEARTBEAT_TIMEOUT_MS = 10_000;

export type Fetch = (url: string, init: { method: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>;

/**
 * Pings the heartbeat URL after a full reconcile (healthchecks.io, Uptime Kuma push, …): the URL
 * itself on success, the fail URL (default: `/fail` appended to the path) on failure. A failed
 * ping is logged and counted, never more: the monitor will notice the missing beat on its own.
 * The URL is the check's credential, so logs show only its origin.
 */
export async function sendHeartbeat(
  settings: HeartbeatSettings,
  ok: boolean,
  deps: { readonly logger: Logger; readonly metrics: RunMetrics; readonly fetch?: Fetch; readonly timeoutMs?: number },
): Promise<void> {
  const url = ok ? settings.url.reveal() : (settings.failUrl?.reveal() ?? failUrlOf(settings.url.reveal()));
  const signal = ok ? 'success' : 'fail';
  const origin = new URL(url).origin;
  const fetchFn: Fetch = deps.fetch ?? ((target, init) => fetch(target, init));
  try {
    const response = await fetchFn(url, { method: 'GET', signal: AbortSignal.timeout(deps.timeoutMs ?? HEARTBEAT_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    deps.metrics.heartbeats.inc({ signal, result: 'sent' });
    deps.logger.debug({ heartbeat: origin, signal }, 'heartbeat sent');
  } catch (error) {
    deps.metrics.heartbeats.inc({ signal, result: 'error' });
    deps.logger.warn({ heartbeat: origin, signal, error: describe(error, url, origin) }, 'heartbeat ping failed');
  }
}

/** healthchecks.io style: https://hc-ping.com/<uuid> → https://hc-ping.com/<uuid>/fail (query kept). */
export function failUrlOf(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/fail`;
  return parsed.toString();
}

function describe(error: unknown, url: string, origin: string): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? `${error.message}${cause}` : String(error);
  return message.split(url).join(origin);
}
