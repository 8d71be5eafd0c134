import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

/**
 * No Docker engine runs here, so the container is checked for what can be checked: everything
 * the Dockerfile copies exists, its entrypoint and healthcheck run the built CLI, the runtime
 * stage gets by with production dependencies, and compose keeps the documented hardening.
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

describe('Dockerfile', () => {
  it('copies only files that exist in the repository', () => {
    const copies = instructions.filter((i) => /^COPY\s/.test(i) && !i.includes('--from='));
    expect(copies.length).toBeGreaterThanOrEqual(4);
    for (const copy of copies) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(path.join(root, source)), `${copy}: ${source}`).toBe(true);
    }
  });

  it('is multi-stage, on a current Node LTS, and runs as a non-root user', () => {
    const froms = instructions.filter((i) => i.startsWith('FROM '));
    expect(froms).toHaveLength(2);
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=(24|26)$/m);
    expect(froms.every((f) => f.startsWith('FROM node:${NODE_VERSION}-alpine'))).toBe(true);
    expect(instructions).toContain('USER node');
    expect(instructions.some((i) => /npm ci --omit=dev/.test(i))).toBe(true);
  });

  it('entrypoint and HEALTHCHECK run the built CLI named by package.json bin', () => {
    const built = pkg.bin.apexsync!;
    expect(instructions).toContain(`ENTRYPOINT ["node", "/app/${built}"]`);
    expect(instructions).toContain('CMD ["run"]');
    expect(instructions.find((i) => i.startsWith('HEALTHCHECK'))).toMatch(new RegExp(`CMD \\["node", "/app/${built.replace(/\./g, '\\.')}", "healthcheck"\\]$`));
    // The build stage's output directory is what the runtime copies.
    expect(instructions).toContain('COPY --from=build /src/dist ./dist');
    // Heap bounds for the daemon's footprint: set in the runtime stage, where `run` starts.
    const runtime = instructions.slice(instructions.findIndex((i) => / AS runtime$/.test(i)));
    expect(runtime).toContain('ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"');
    // ...after npm ci, which must not run under the daemon's bounds.
    expect(runtime.findIndex((i) => i.startsWith('ENV NODE_OPTIONS'))).toBeGreaterThan(runtime.findIndex((i) => /npm ci/.test(i)));
    expect(existsSync(path.join(root, built))).toBe(true);
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

  it('.dockerignore keeps secrets, local builds and node_modules out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
    // ...but not what the Dockerfile copies.
    for (const needed of ['src', 'providers', 'package.json', 'package-lock.json', 'tsconfig.json']) expect(ignored).not.toContain(needed);
  });
});

describe('docker-compose.yml', () => {
  const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
  const service = compose.services.apexsync!;
  it('runs the sidecar hardened: env_file, read-only root, no capabilities, no new privileges, restart policy', () => {
    expect(service.env_file).toBe('.env');
    expect(service.read_only).toBe(true);
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.security_opt).toContain('no-new-privileges:true');
    expect(service.restart).toBe('unless-stopped');
    expect(service.command).toEqual(['run']);
  });
  it('mounts the config read-only where the image looks for it, and listens beyond loopback inside', () => {
    const volumes = service.volumes as string[];
    expect(volumes).toContain('./apexsync.yaml:/config/apexsync.yaml:ro');
    expect(dockerfile).toContain('APEXSYNC_CONFIG=/config/apexsync.yaml');
    expect((service.environment as Record<string, string>).APEXSYNC_LISTEN).toBe('0.0.0.0:9797');
    // Longer than the 10 s a write in progress gets after SIGTERM.
    expect(service.stop_grace_period).toBe('15s');
  });
});

describe('VM examples', () => {
  it('systemd service + timer run `apexsync sync`; the crontab line too', () => {
    const unit = read('examples/systemd/apexsync.service');
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^ExecStart=\S*apexsync sync --config \S+/m);
    expect(unit).toMatch(/^User=apexsync$/m);
    const timer = read('examples/systemd/apexsync.timer');
    expect(timer).toMatch(/^OnCalendar=\*:0\/5$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
    const cron = read('examples/crontab').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(cron).toHaveLength(1);
    expect(cron[0]).toMatch(/^\*\/5\s+\*\s+\*\s+\*\s+\*\s+.*apexsync sync --config /);
  });
});

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
