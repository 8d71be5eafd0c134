import { writeFile } from 'node:fs/promises';
import type { ManagedRecord } from './fixtures.js';

/** What a benchmark config file holds (README.md, Configuration): one provider, its records, the resolver. */
export interface ConfigSpec {
  /** `127.0.0.1:port` of the DNS server that serves the targets. */
  readonly resolverServer: string;
  readonly providerId: string;
  /** The provider's settings as a YAML flow mapping, e.g. `{ type: zonefile, file: a.zone }`. */
  readonly providerSettings: string;
  readonly records: readonly ManagedRecord[];
  /** Write `zone:` on every record (default true); false leaves zone discovery to the provider. */
  readonly withZone?: boolean;
  /** More top-level YAML (run mode: interval, server, damping). */
  readonly extra?: string;
}

export function configYaml(spec: ConfigSpec): string {
  const withZone = spec.withZone ?? true;
  const records = spec.records.map((r) => `  - { name: ${r.name}, target: ${r.target}${withZone ? `, zone: ${r.zone}` : ''} }`);
  return [
    `resolver: { servers: ["${spec.resolverServer}"], timeoutMs: 2000, attempts: 2 }`,
    'providers:',
    `  ${spec.providerId}: ${spec.providerSettings}`,
    `defaults: { provider: ${spec.providerId}, families: [A, AAAA], ttl: { min: 60, max: 3600 } }`,
    // The benchmark's zones have no authoritative servers to ask (the fakes, a file, BIND's apex is
    // delegated to names that do not exist): the served-state check is left out of what is measured.
    'verify: { mode: off }',
    ...(spec.extra !== undefined ? [spec.extra] : []),
    'records:',
    ...records,
    '',
  ].join('\n');
}

export async function writeConfig(file: string, spec: ConfigSpec): Promise<string> {
  await writeFile(file, configYaml(spec));
  return file;
}
