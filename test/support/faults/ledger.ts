import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { FaultFailure, PartFigures } from './reliability-figures.js';

/**
 * The reliability suite's books: how many faults it injected and how many the product survived
 * (and which checks failed), how many records it found lost (published set empty or neither the
 * old nor the new one), how many broken configs were rejected cleanly, and every piece of output
 * the product produced (CLI stdout/stderr, JSON documents, in-process log lines, outcome
 * messages), so that the planted credentials can be searched for in all of it.
 *
 * One ledger per test file (each part of the suite is a file of its own, run in its own process):
 * a credential is planted and can only leak within its process, so each part sweeps its own
 * output; each part writes its figures to the run's directory, and the global teardown
 * (reliability-summary.ts) adds them up into the summary line.
 */

export interface OutputEntry {
  /** Where it came from, e.g. "cli sync (crash zonefile #12) stderr". */
  readonly source: string;
  readonly text: string;
}

export interface SecretLeak {
  /** The label the secret was planted under (never the secret itself). */
  readonly secret: string;
  readonly source: string;
}

/** The run's directory, shared by every part (provided by the global setup), or one of our own. */
function runDirectory(): string {
  let dir: string | undefined;
  try {
    dir = inject('reliabilityRunDir');
  } catch {
    dir = undefined;
  }
  return dir ?? path.join(os.tmpdir(), `apexsync-reliability-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
}

export class ReliabilityLedger {
  faultsInjected = 0;
  faultsSurvived = 0;
  recordsLost = 0;
  badConfigs = 0;
  badConfigsRejectedCleanly = 0;
  readonly outputs: OutputEntry[] = [];
  /** Label → value of every planted credential. */
  readonly #secrets = new Map<string, string>();
  /** Per area ("hostile-dns", "crash zonefile", …): faults injected there. */
  readonly byArea = new Map<string, number>();
  /** Every fault whose check failed, in order. */
  readonly failures: FaultFailure[] = [];
  #dir: string | undefined;

  /** Where the figures and outputs go: the run's directory, made on first use. */
  get dir(): string {
    if (this.#dir === undefined) {
      this.#dir = runDirectory();
      mkdirSync(this.#dir, { recursive: true });
    }
    return this.#dir;
  }

  /**
   * Runs the check of one fault (or of several met together, e.g. the soak's failing calls of one
   * wave, whose number `count` tells once the check has settled): counts them as injected, and as
   * survived only if `check` completes (every assertion in it held); otherwise files the failure
   * under `label` and rethrows it, so the test fails and the summary lists it.
   */
  async fault<T>(area: string, check: () => Promise<T>, options: { readonly label?: string; readonly count?: () => number } = {}): Promise<T> {
    const countInjected = (count: number): number => {
      this.faultsInjected += count;
      this.byArea.set(area, (this.byArea.get(area) ?? 0) + count);
      return count;
    };
    // A single fault counts as injected before its check runs, so one cut off by a test timeout
    // still shows (as injected, not survived); a counted batch is known only at the end.
    const settledCount = options.count ?? (() => 0);
    if (options.count === undefined) countInjected(1);
    let result: T;
    try {
      result = await check();
    } catch (error) {
      const count = options.count === undefined ? 1 : countInjected(settledCount());
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      this.failures.push({ area, label: options.label ?? area, count, message });
      throw error;
    }
    this.faultsSurvived += options.count === undefined ? 1 : countInjected(settledCount());
    return result;
  }

  /** Counts one record found in a state it must never be in; the caller then fails the test. */
  recordLost(): void {
    this.recordsLost += 1;
  }

  /** A fresh random credential, registered under `label`, with a recognisable prefix. */
  plant(label: string, shape: 'base64' | 'token' | 'aws-id' | 'aws-secret' = 'token'): string {
    const existing = this.#secrets.get(label);
    if (existing !== undefined) return existing;
    const value =
      shape === 'base64'
        ? randomBytes(32).toString('base64')
        : shape === 'aws-id'
          ? `AKIA${randomBytes(8).toString('hex').toUpperCase()}`
          : shape === 'aws-secret'
            ? randomBytes(30).toString('base64').replace(/[+/=]/g, 'x')
            : `plantedtok_${randomBytes(16).toString('hex')}`;
    this.#secrets.set(label, value);
    return value;
  }

  /** Registers a credential made elsewhere (e.g. the BIND harness's random TSIG key). */
  plantExisting(label: string, value: string): void {
    this.#secrets.set(label, value);
  }

  secret(label: string): string {
    const value = this.#secrets.get(label);
    if (value === undefined) throw new Error(`no planted secret '${label}'`);
    return value;
  }

  get plantedCount(): number {
    return this.#secrets.size;
  }

  record(source: string, text: string): void {
    if (text.length > 0) this.outputs.push({ source, text });
  }

  /**
   * Every planted secret found in any recorded output. Base64 secrets are also looked for in
   * their decoded-then-hex and URL-safe forms, and every secret by its first 16 characters, so
   * a truncated or re-encoded leak is caught too.
   */
  leaks(): SecretLeak[] {
    return findLeaks(this.#secrets, this.outputs);
  }

  /**
   * Writes this part's figures (`<part>.figures.json`, read by the summary) and every recorded
   * output (`<part>.outputs.jsonl`, for a human after a failure) to the run's directory.
   */
  persist(part: string): string {
    const slug = part.replace(/[^a-z0-9]+/gi, '-');
    const file = path.join(this.dir, `${slug}.outputs.jsonl`);
    writeFileSync(file, this.outputs.map((entry) => JSON.stringify(entry)).join('\n'));
    writeFileSync(path.join(this.dir, `${slug}.figures.json`), JSON.stringify(this.figures(part), null, 2));
    return file;
  }

  figures(part: string): PartFigures {
    return {
      part,
      faultsInjected: this.faultsInjected,
      faultsSurvived: this.faultsSurvived,
      failures: this.failures,
      recordsLost: this.recordsLost,
      secretsPlanted: this.plantedCount,
      secretsLeaked: this.leaks().length,
      badConfigs: this.badConfigs,
      badConfigsRejectedCleanly: this.badConfigsRejectedCleanly,
      outputsScanned: this.outputs.length,
      faultsByArea: Object.fromEntries(this.byArea),
    };
  }
}

/**
 * Every secret of `secrets` (label → value) found in `outputs`. Besides the value itself, its
 * first 16 characters (a truncated leak), its URL-safe base64 spelling, and for base64 secrets
 * the key bytes in hex are looked for.
 */
export function findLeaks(secrets: ReadonlyMap<string, string>, outputs: readonly OutputEntry[]): SecretLeak[] {
  const found: SecretLeak[] = [];
  for (const [label, value] of secrets) {
    const needles = new Set([value, value.slice(0, 16), value.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')]);
    if (/^[A-Za-z0-9+/]+=*$/.test(value) && value.length % 4 === 0) needles.add(Buffer.from(value, 'base64').toString('hex'));
    for (const entry of outputs) {
      if ([...needles].some((needle) => needle.length >= 12 && entry.text.includes(needle))) found.push({ secret: label, source: entry.source });
    }
  }
  return found;
}

/** A short, non-reversible name for a value (for messages about secrets that must not print them). */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

export const ledger = new ReliabilityLedger();
