import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The reliability suite's books: how many faults it injected and how many the product survived,
 * how many records it found lost (published set empty or neither the old nor the new one), how
 * many broken configs were rejected cleanly, and every piece of output the product produced
 * (CLI stdout/stderr, JSON documents, in-process log lines, outcome messages), so that the
 * planted credentials can be searched for in all of it at the end.
 *
 * One ledger per process: the suite runs as one vitest file (see test/reliability/README in
 * docs/reliability.md), so the counters need no cross-process file.
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
  readonly runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  readonly dir = path.join(os.tmpdir(), `apexsync-reliability-${this.runId}`);

  constructor() {
    mkdirSync(this.dir, { recursive: true });
  }

  /**
   * Runs one fault case: counts it as injected, and as survived only if `body` completes (every
   * assertion in it held). The error, if any, is rethrown so the test fails.
   */
  async fault<T>(area: string, body: () => Promise<T>): Promise<T> {
    this.faultsInjected += 1;
    this.byArea.set(area, (this.byArea.get(area) ?? 0) + 1);
    const result = await body();
    this.faultsSurvived += 1;
    return result;
  }

  /**
   * Counts `count` faults injected in bulk (e.g. the soak's failing calls) as survived; call it
   * only after every assertion about them held.
   */
  survivedBatch(area: string, count: number): void {
    this.faultsInjected += count;
    this.faultsSurvived += count;
    this.byArea.set(area, (this.byArea.get(area) ?? 0) + count);
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

  /** Writes every recorded output to the run's directory (for a human after a failure). */
  persist(): string {
    const file = path.join(this.dir, 'outputs.jsonl');
    writeFileSync(file, this.outputs.map((entry) => JSON.stringify(entry)).join('\n'));
    writeFileSync(path.join(this.dir, 'summary.json'), JSON.stringify(this.figures(), null, 2));
    return file;
  }

  figures(): Record<string, unknown> {
    return {
      runId: this.runId,
      faultsInjected: this.faultsInjected,
      faultsSurvived: this.faultsSurvived,
      recordsLost: this.recordsLost,
      secretsPlanted: this.plantedCount,
      secretsLeaked: this.leaks().length,
      badConfigs: this.badConfigs,
      badConfigsRejectedCleanly: this.badConfigsRejectedCleanly,
      outputsScanned: this.outputs.length,
      faultsByArea: Object.fromEntries(this.byArea),
    };
  }

  summaryLine(): string {
    return `reliability: ${this.faultsInjected} faults injected, ${this.faultsSurvived} survived, ${this.recordsLost} records lost, ${this.leaks().length} secrets leaked, ${this.badConfigsRejectedCleanly} bad configs rejected cleanly`;
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
