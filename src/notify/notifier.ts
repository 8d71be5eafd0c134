import type { Logger } from 'pino';
import { describeNotifyTarget, type NotifyTarget } from '../config/notify.js';
import type { RoundReport } from '../sync/report.js';
import { EventMemory, type RecordEvent } from './events.js';
import { messageText, webhookPayload } from './message.js';
import { postWebhook, runApprise, SendError, type PostFetch } from './send.js';

export type NotifyResult = 'sent' | 'error' | 'dropped';

export interface NotifierOptions {
  readonly logger: Logger;
  readonly fetch?: PostFetch;
  /** The apprise executable (default `apprise` on PATH). */
  readonly appriseCommand?: string;
  /** Waits between attempts; its length + 1 is the number of attempts (default 2 s, 10 s: 3 attempts). */
  readonly retryDelaysMs?: readonly number[];
  readonly timeoutMs?: number;
  /** Each message's fate, per target (the daemon counts them in /metrics). */
  readonly onResult?: (target: string, result: NotifyResult) => void;
}

/** Messages waiting or in flight per target before further ones are dropped (a dead endpoint must not pile up work). */
const MAX_PENDING_PER_TARGET = 4;
const DEFAULT_RETRY_DELAYS_MS = [2000, 10_000];

/**
 * Announces what a round changed, what started failing and what recovered: one message per round
 * and target, holding every record concerned. Sending never blocks or fails a round: errors are
 * logged and counted, retried a bounded number of times, then given up.
 */
export class Notifier {
  readonly #memory = new EventMemory();
  readonly #pending = new Map<number, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #targets: readonly NotifyTarget[];

  constructor(
    targets: readonly NotifyTarget[],
    private readonly options: NotifierOptions,
  ) {
    this.#targets = targets;
  }

  /** A reloaded config's targets; which records are failing is remembered across. */
  setTargets(targets: readonly NotifyTarget[]): void {
    this.#targets = targets;
  }

  /** Sends this round's messages. The promise settles when they are sent or given up; it never rejects. */
  notify(report: RoundReport): Promise<void> {
    const events = this.#memory.events(report);
    if (events.length === 0) return Promise.resolve();
    const now = new Date();
    const sends = this.#targets.flatMap((target, index) => {
      const wanted = events.filter((event) => target.events.some((kind) => event.events.has(kind)));
      return wanted.length === 0 ? [] : [this.#track(this.#send(target, index, wanted, now))];
    });
    return Promise.all(sends).then(() => undefined);
  }

  /** Resolves when every message handed over so far is sent or given up. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #track(send: Promise<void>): Promise<void> {
    this.#inFlight.add(send);
    void send.finally(() => this.#inFlight.delete(send));
    return send;
  }

  async #send(target: NotifyTarget, index: number, events: readonly RecordEvent[], now: Date): Promise<void> {
    const name = describeNotifyTarget(target, index);
    const pending = this.#pending.get(index) ?? 0;
    if (pending >= MAX_PENDING_PER_TARGET) {
      this.options.logger.warn({ notify: name, records: events.length }, 'notification dropped: earlier ones to this target are still being retried');
      this.options.onResult?.(name, 'dropped');
      return;
    }
    this.#pending.set(index, pending + 1);
    try {
      const attempt = this.#attempt(target, events, now);
      const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
      for (let tries = 1; ; tries++) {
        try {
          await attempt();
          this.options.onResult?.(name, 'sent');
          this.options.logger.debug({ notify: name, records: events.length }, 'notification sent');
          return;
        } catch (error) {
          const failure = error instanceof SendError ? error : new SendError(String(error), false);
          const message = withoutUrl(failure.message, target.url.reveal());
          if (!failure.retry || tries > delays.length) {
            this.options.onResult?.(name, 'error');
            this.options.logger.error({ notify: name, attempts: tries, error: message }, 'notification failed');
            return;
          }
          this.options.logger.info({ notify: name, attempt: tries, error: message }, 'notification failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, delays[tries - 1]));
        }
      }
    } finally {
      this.#pending.set(index, (this.#pending.get(index) ?? 1) - 1);
    }
  }

  #attempt(target: NotifyTarget, events: readonly RecordEvent[], now: Date): () => Promise<void> {
    if (target.kind === 'apprise') {
      const text = messageText(events);
      return () => runApprise(target.url, text, this.options.appriseCommand, this.options.timeoutMs);
    }
    const payload = webhookPayload(target.format, events, now);
    const fetchFn: PostFetch = this.options.fetch ?? ((url, init) => fetch(url, init));
    return () => postWebhook(target.url, payload, fetchFn, this.options.timeoutMs);
  }
}

/** An error message with the URL (as written, or as a URL parser spells it) taken out. */
function withoutUrl(message: string, url: string): string {
  let spelled: string | undefined;
  try {
    spelled = new URL(url).toString();
  } catch {
    spelled = undefined;
  }
  return [url, spelled].reduce<string>((text, form) => (form ? text.split(form).join('[url]') : text), message);
}
