import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SHUTDOWN_GRACE_MS } from '../../src/run/daemon.js';
import { runCli } from '../support/cli.js';

/**
 * No Docker engine runs here, so the container is checked for what can break without anyone
 * touching the Dockerfile: a source it copies is renamed, the build output moves away from the
 * path the entrypoint runs, the product starts importing a dev dependency (the image has none),
 * the compose file and the image disagree on a path or a port. Choices written once in those files
 * (base image, hardening flags) are not pinned here: a test that only repeats them cannot fail
 * for a reason.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const dockerfile = read('Dockerfile');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; dependencies: Record<string, string> };

/** Dockerfile instructions with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
/** The sources of every COPY from the build context. */
const copiedSources = instructions.filter((i) => /^COPY\s/.test(i) && !i.includes('--from=')).flatMap((copy) => copy.split(/\s+/).slice(1, -1));
/** The arguments of an exec-form instruction, e.g. ENTRYPOINT ["node", "/app/x.js"]. */
const execForm = (line: string | undefined): string[] => JSON.parse(/(\[.*\])\s*$/.exec(line ?? '')?.[1] ?? '[]') as string[];
/** ENV names and values, all stages. */
const dockerEnv = new Map(
  instructions.filter((i) => i.startsWith('ENV ')).flatMap((i) => [...i.slice(4).matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')] as const)),
);

describe('Dockerfile', () => {
  it('copies only files that exist in the repository', () => {
    expect(copiedSources.length).toBeGreaterThanOrEqual(4);
    for (const source of copiedSources) expect(existsSync(path.join(root, source)), source).toBe(true);
  });

  it('ENTRYPOINT and HEALTHCHECK run the file the build produces and package.json names as bin', () => {
    const built = pkg.bin.apexsync!;
    // The runtime stage takes the build stage's output folder, at the same place under its workdir.
    expect(instructions).toContain('COPY --from=build /src/dist ./dist');
    expect(built.startsWith('dist/')).toBe(true);
    expect(existsSync(path.join(root, built)), `${built} after npm run build`).toBe(true);
    const entrypoint = execForm(instructions.find((i) => i.startsWith('ENTRYPOINT ')));
    const healthcheck = execForm(instructions.find((i) => i.startsWith('HEALTHCHECK ')));
    expect(entrypoint).toEqual(['node', `/app/${built}`]);
    expect(healthcheck).toEqual(['node', `/app/${built}`, 'healthcheck']);
  });

  it('the entrypoint runs: --version, and healthcheck against nothing says unhealthy (exit 1, not 2)', async () => {
    const run = promisify(execFile);
    const cli = path.join(root, pkg.bin.apexsync!);
    const version = await run(process.execPath, [cli, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const unhealthy = await run(process.execPath, [cli, 'healthcheck', '--url', 'http://127.0.0.1:9/readyz', '--timeout', '2000']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stderr).toMatch(/^apexsync: no answer from http:\/\/127\.0\.0\.1:9\/readyz/);
  });

  it('the compiled code imports nothing outside node: built-ins and production dependencies', () => {
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const imported = new Set<string>();
    for (const file of walk(path.join(root, 'dist/src')).concat(walk(path.join(root, 'dist/providers')))) {
      if (!file.endsWith('.js')) continue;
      const text = readFileSync(file, 'utf8');
      const statics = text.matchAll(/^(?:import|export)\s(?:[^;'"]*?\sfrom\s*)?['"]([^'"]+)['"]/gm);
      const dynamics = text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g);
      for (const [, specifier] of [...statics, ...dynamics]) if (specifier && !specifier.startsWith('.')) imported.add(specifier);
    }
    expect(imported.size).toBeGreaterThan(5);
    for (const specifier of imported) {
      const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      expect(allowed.has(name), `${specifier} is not a production dependency`).toBe(true);
    }
  });

  it('.dockerignore keeps .env (credentials) out of the build context, and nothing the Dockerfile copies', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toContain('.env');
    for (const needed of copiedSources) expect(ignored, needed).not.toContain(needed.replace(/^\.\//, ''));
  });
});

describe('docker-compose.yml against the image', () => {
  const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
  const service = compose.services.apexsync!;
  const environment = { ...Object.fromEntries(dockerEnv), ...(service.environment as Record<string, string>) };

  it('mounts a config file where the container looks for it', () => {
    const targets = (service.volumes as string[]).map((volume) => volume.split(':')[1]);
    expect(targets).toContain(environment.APEXSYNC_CONFIG);
  });

  it('publishes the port the daemon listens on, which the image exposes', () => {
    const port = environment.APEXSYNC_LISTEN?.split(':').pop();
    expect(port).toMatch(/^\d+$/);
    expect(instructions).toContain(`EXPOSE ${port}`);
    expect((service.ports as string[]).map((p) => p.split(':').pop())).toContain(port);
  });

  it('waits longer on stop than the daemon gives a write in progress after SIGTERM', () => {
    const grace = /^(\d+)s$/.exec(String(service.stop_grace_period))?.[1];
    expect(Number(grace) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
  });
});

describe('VM examples', () => {
  it('the systemd service and the crontab line are commands the CLI accepts', async () => {
    const commandOf = (line: string | undefined): string[] => (/\bapexsync (sync .*?)(?:\s*>|$)/.exec(line ?? '')?.[1] ?? '').split(/\s+/);
    const service = read('examples/systemd/apexsync.service')
      .split('\n')
      .find((l) => l.startsWith('ExecStart='));
    const cron = read('examples/crontab')
      .split('\n')
      .find((l) => l.trim() !== '' && !l.startsWith('#'));
    for (const args of [commandOf(service), commandOf(cron)]) {
      expect(args[0]).toBe('sync');
      // Pointed at a config that is not there, a command the CLI accepts fails on reading it (exit
      // 2, the file named); an unknown option or command would be refused before that.
      const missing = path.join(root, 'no-such-dir', 'apexsync.yaml');
      const withMissing = args.map((arg, i) => (args[i - 1] === '--config' ? missing : arg));
      expect(withMissing).toContain(missing);
      const result = await runCli(withMissing);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`${missing}: cannot read config file`);
    }
  });
});

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
