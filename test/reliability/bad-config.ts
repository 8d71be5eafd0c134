import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import type { CliResult } from '../support/cli.js';
import { buildBadConfigs, validBaseCase, type BadConfig, type PlantedCredentials } from '../support/faults/bad-configs.js';
import { ledger } from '../support/faults/ledger.js';
import { mapLimit } from '../../src/lib/concurrency.js';
import { recordedCli } from '../support/faults/recorded-cli.js';

/**
 * Every broken config of the generated corpus must be rejected cleanly: exit 2,
 * nothing on stdout, one `apexsync: <field>: <problem>` line per problem naming the broken field,
 * no stack trace, no planted credential.
 *
 * Every case goes through the config loader in process, and its result is turned into what the
 * CLI prints exactly as src/cli/main.ts does (ConfigError → its lines and exit 2; anything else →
 * "unexpected error" and exit 1). A sample (every file-level case and every fourth of the rest)
 * also runs through the built CLI as a real process, and there the real output must equal the
 * in-process one line for line — so the sample proves the in-process path tells the truth, and
 * the whole corpus costs seconds instead of a minute of process start-ups.
 */

const PREFIX = 'apexsync: ';

function plantedCredentials(): PlantedCredentials {
  return {
    tsigSecret: ledger.plant('bad-config TSIG secret', 'base64'),
    apiToken: ledger.plant('bad-config Cloudflare token'),
    awsAccessKeyId: ledger.plant('bad-config AWS access key id', 'aws-id'),
    awsSecretAccessKey: ledger.plant('bad-config AWS secret key', 'aws-secret'),
    heartbeatToken: ledger.plant('bad-config heartbeat token'),
  };
}

function materialise(root: string, c: BadConfig): string {
  const dir = mkdtempSync(path.join(root, 'case-'));
  for (const [name, content] of Object.entries(c.files)) {
    if (typeof content === 'string') writeFileSync(path.join(dir, name), content);
    else mkdirSync(path.join(dir, name), { recursive: true });
  }
  return dir;
}

/** The part of a problem line before its first ": " — the field, or file[:line:col]. */
function whereOf(line: string): string {
  const text = line.slice(PREFIX.length);
  const end = text.indexOf(': ');
  return end < 0 ? text : text.slice(0, end);
}

/**
 * `field` ending in ':' is a file whose line:col must be given; a name with a dot and an
 * extension-like tail is a file (line:col optional); anything else is a config path, which the
 * line may name exactly or by one of its members (`providers.bad id` names `providers`).
 */
function namesField(where: string, field: string): boolean {
  if (field.endsWith(':')) return new RegExp(`(^|/)${escapeRegExp(field)}\\d+:\\d+$`).test(where);
  if (where === field || where.startsWith(`${field}.`) || where.startsWith(`${field}[`)) return true;
  return new RegExp(`(^|/)${escapeRegExp(field)}(:\\d+:\\d+)?$`).test(where);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Why a result is not a clean rejection, or undefined when it is. */
function uncleanBecause(c: BadConfig, result: CliResult, secrets: readonly string[]): string | undefined {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  if (result.code !== 2) return `exit ${result.code}, expected 2`;
  if (result.stdout !== '') return `printed on stdout: ${JSON.stringify(result.stdout.slice(0, 200))}`;
  if (lines.length === 0) return 'no message';
  if (lines.length > c.maxLines) return `${lines.length} lines for one problem (at most ${c.maxLines}): ${JSON.stringify(lines)}`;
  const stray = lines.find((line) => !line.startsWith(PREFIX) || !line.slice(PREFIX.length).includes(': '));
  if (stray !== undefined) return `a line that is not "apexsync: <field>: <problem>": ${JSON.stringify(stray)}`;
  const trace = lines.find((line) => /^\s+at\s|unexpected error|Error:|\[object Object\]/.test(line));
  if (trace !== undefined) return `stack trace or raw error: ${JSON.stringify(trace)}`;
  if (!lines.some((line) => namesField(whereOf(line), c.field))) return `no line names ${c.field}: ${JSON.stringify(lines)}`;
  if (secrets.some((secret) => `${result.stdout}${result.stderr}`.includes(secret))) return 'the output holds a planted credential';
  return undefined;
}

/** What `apexsync sync -c …` prints before it would start a round (src/cli/main.ts → exitCodeFor). */
function loadAsTheCliWould(c: BadConfig, dir: string): CliResult {
  const file = c.args[0] === '-c' ? c.args[1] : undefined;
  try {
    loadConfig({ ...(file !== undefined ? { file } : {}), cwd: dir, env: c.env });
    return { code: 0, stdout: '(the config loaded; the CLI would start a round)', stderr: '' };
  } catch (error) {
    if (error instanceof ConfigError) return { code: 2, stdout: '', stderr: error.problems.map((p) => `${PREFIX}${p}\n`).join('') };
    return { code: 1, stdout: '', stderr: `${PREFIX}unexpected error: ${error instanceof Error ? error.message : String(error)}\n` };
  }
}

export function badConfigSuite(): void {
  describe('bad config corpus', () => {
    let root = '';
    beforeAll(() => {
      root = mkdtempSync(path.join(tmpdir(), 'apexsync-rel-config-'));
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const planted = plantedCredentials();
    const corpus = buildBadConfigs(planted);
    const secrets = Object.values(planted);

    it('the base config of the corpus is valid (each case breaks exactly one thing)', () => {
      const base = validBaseCase(planted);
      const dir = materialise(root, base);
      const config = loadConfig({ file: 'apexsync.yaml', cwd: dir, env: base.env });
      expect(config.records).toHaveLength(3);
      expect(Object.keys(config.providers)).toEqual(['files', 'bind', 'aws', 'cf']);
    });

    const dirs = new Map<string, string>();
    const inProcess = new Map<string, CliResult>();
    const sampled = corpus.filter((c, i) => c.id.startsWith('file-') || i % 4 === 0);

    it(`rejects all ${corpus.length} broken configs cleanly: exit 2, one line per problem naming the field, no trace, no secret`, () => {
      expect(corpus.length).toBeGreaterThanOrEqual(100);
      const unclean: string[] = [];
      for (const c of corpus) {
        const dir = materialise(root, c);
        dirs.set(c.id, dir);
        const result = loadAsTheCliWould(c, dir);
        inProcess.set(c.id, result);
        ledger.record(`loadConfig (bad config ${c.id}) stderr`, result.stderr);
        ledger.badConfigs += 1;
        const why = uncleanBecause(c, result, secrets);
        if (why === undefined) ledger.badConfigsRejectedCleanly += 1;
        else unclean.push(`${c.id} (${c.what}): ${why}`);
      }
      expect(unclean).toEqual([]);
    });

    it(`the built CLI prints exactly that for a sample of ${sampled.length} of them (file-level cases and every fourth)`, async () => {
      const results = await mapLimit(sampled, 3, (c) =>
        recordedCli(`cli sync (bad config ${c.id})`, ['sync', ...c.args], { cwd: dirs.get(c.id) ?? materialise(root, c), env: c.env, timeoutMs: 30_000 }),
      );
      const differences: string[] = [];
      sampled.forEach((c, i) => {
        const real = results[i]!;
        const expected = inProcess.get(c.id);
        if (expected === undefined) differences.push(`${c.id}: not run in process`);
        else if (real.code !== expected.code || real.stdout !== expected.stdout || real.stderr !== expected.stderr) {
          differences.push(`${c.id}: CLI exit ${real.code} ${JSON.stringify(real.stderr)} vs in process exit ${expected.code} ${JSON.stringify(expected.stderr)}`);
        }
      });
      expect(differences).toEqual([]);
    }, 120_000);
  });
}
