import { spawn } from 'node:child_process';
import type { Secret } from '../lib/secret.js';
import type { MessageText, Payload } from './message.js';

/** How long one attempt may take (an HTTP request, or one run of the apprise CLI). */
export const NOTIFY_TIMEOUT_MS = 15_000;

export type PostFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ readonly ok: boolean; readonly status: number }>;

/** A failed attempt; `retry` says whether another attempt could succeed. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/** POSTs `payload` to a webhook. Throws SendError. */
export async function postWebhook(url: Secret, payload: Payload, fetchFn: PostFetch, timeoutMs = NOTIFY_TIMEOUT_MS): Promise<void> {
  // fetch refuses URLs with credentials (https://user:token@ntfy.example/topic): they go in a header.
  const target = new URL(url.reveal());
  const authorization =
    target.username || target.password ? `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}` : undefined;
  target.username = '';
  target.password = '';
  let status: number;
  try {
    const response = await fetchFn(target.toString(), {
      method: 'POST',
      headers: { 'Content-Type': payload.contentType, 'User-Agent': 'apexsync', ...payload.headers, ...(authorization ? { Authorization: authorization } : {}) },
      body: payload.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) return;
    status = response.status;
  } catch (error) {
    throw new SendError(networkMessage(error), true);
  }
  // A 4xx other than a timeout or rate limit will not change on a retry (wrong URL, bad token…).
  throw new SendError(`HTTP ${status}`, status >= 500 || status === 408 || status === 429);
}

/**
 * Sends through the `apprise` CLI. The URL goes in APPRISE_URLS and the body on stdin, so neither
 * appears in a process listing; nothing else of our environment is passed on.
 */
export function runApprise(url: Secret, text: MessageText, command = 'apprise', timeoutMs = NOTIFY_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['--title', text.title, '--notification-type', text.severity], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', APPRISE_URLS: url.reveal() },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new SendError(error.code === 'ENOENT' ? `${command} is not installed (apt-get install apprise, or pip install apprise)` : error.message, false));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      // Apprise prints the failing service, sometimes with its URL: never repeat that.
      const reason = lastLine(stderr.split(url.reveal()).join('[url]'));
      reject(new SendError(signal ? `apprise timed out after ${timeoutMs} ms` : `apprise exited ${code}${reason ? `: ${reason}` : ''}`, code === 1 || signal !== null));
    });
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close'
    child.stdin.end(text.lines.join('\n'));
  });
}

function networkMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = cause && 'code' in cause ? String((cause as NodeJS.ErrnoException).code) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return (lines.at(-1) ?? '').slice(0, 300);
}
