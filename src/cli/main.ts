#!/usr/bin/env node
// First: `run` catches SIGHUP/SIGTERM from the very start (see early-signals.ts).
import './early-signals.js';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, printError, UsageError } from './output.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';

/**
 * The command line (README.md, Commands). Command modules are imported when their command runs, so
 * `--help` loads neither the config stack nor any provider SDK.
 */
function buildProgram(): Command {
  const program = new Command('apexsync')
    .description('Keep the A/AAAA records of a name (a zone apex) equal to what a target hostname resolves to.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(run apexsync --help for usage)');

  const configOption = (): Option => new Option('-c, --config <file>', 'config file (default: $APEXSYNC_CONFIG, else ./apexsync.yaml)');
  const logLevelOption = (): Option => new Option('--log-level <level>', 'diagnostic log level on stderr').choices(LOG_LEVELS as string[]);
  const outputOption = (): Option => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

  program
    .command('sync')
    .description('resolve every target once, plan, and apply the changes')
    .addOption(configOption())
    .option('-n, --dry-run', 'plan and show the changes; write nothing', false)
    .option('-r, --record <name>', 'only this record (repeatable)', collect, [] as string[])
    .addOption(outputOption())
    .addOption(logLevelOption())
    .action(async (opts: { config?: string; dryRun: boolean; record: string[]; output: 'text' | 'json'; logLevel?: LogLevel }) => {
      const { syncCommand } = await import('./commands/sync.js');
      process.exitCode = await syncCommand(opts);
    });

  program
    .command('check')
    .description('validate the config and read every provider; write nothing')
    .addOption(configOption())
    .addOption(outputOption())
    .addOption(logLevelOption())
    .action(async (opts: { config?: string; output: 'text' | 'json'; logLevel?: LogLevel }) => {
      const { checkCommand } = await import('./commands/check.js');
      process.exitCode = await checkCommand(opts);
    });

  program
    .command('resolve')
    .description('show the CNAME chain, TTLs and result class of a target, as the planner sees them')
    .argument('<host>', 'hostname to resolve')
    .option('-s, --server <address>', 'DNS server, IP[:port] or [IPv6]:port (repeatable; default: the config, else /etc/resolv.conf)', collect, [] as string[])
    .addOption(configOption())
    .addOption(outputOption())
    .action(async (host: string, opts: { server: string[]; config?: string; output: 'text' | 'json' }) => {
      const { resolveCommand } = await import('./commands/resolve.js');
      process.exitCode = await resolveCommand(host, opts);
    });

  program
    .command('run')
    .description('keep syncing: re-resolve each target as its TTL expires, reconcile on the schedule, serve /healthz /readyz /metrics')
    .addOption(configOption())
    .addOption(logLevelOption())
    .action(async (opts: { config?: string; logLevel?: LogLevel }) => {
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(opts);
    });

  program
    .command('healthcheck')
    .description("ask a running daemon's /readyz (for Docker HEALTHCHECK); exit 0 when ready, else 1")
    .addOption(configOption())
    .option('--url <url>', 'readiness URL (default: http://<server.listen>/readyz from the config)')
    .option('--timeout <ms>', 'give up after this many milliseconds', '5000')
    .action(async (opts: { config?: string; url?: string; timeout: string }) => {
      const { healthcheckCommand } = await import('./commands/healthcheck.js');
      process.exitCode = await healthcheckCommand(opts);
    });

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = await exitCodeFor(error);
  }
}

/** Every error ends as a message and an exit code, never a stack trace. */
async function exitCodeFor(error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or the help/version text).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    printError(error.message);
    return EXIT.usage;
  }
  const { ConfigError } = await import('../config/errors.js');
  if (error instanceof ConfigError) {
    for (const problem of error.problems) printError(problem);
    return EXIT.usage;
  }
  printError(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}

await main(process.argv);
