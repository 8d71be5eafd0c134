import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAuthoritative, type AuthoritativeServer, type Flavour, type ServerOptions, type Setup, type TsigKeySpec } from './server.js';

/**
 * Knot DNS 3.2 (`knotd`, foreground). The apexsync key's ACL allows updates of A and AAAA whose
 * owner is one of the managed names (`update-owner-match: equal`); the admin key may change
 * anything. Zone files are never written back (`zonefile-sync: -1`): changes live in the journal.
 */
export const knotFlavour: Flavour = {
  label: 'Knot DNS',
  binaries: ['/usr/sbin/knotd', '/usr/bin/knotd', '/sbin/knotd'],
  install: 'apt-get install -y knot knot-dnsutils',
  ready: /server started/i,
  portTaken: /cannot bind|address already in use|failed to bind/i,
  async configure(setup) {
    const conf = path.join(setup.dir, 'knot.conf');
    await writeFile(conf, knotConf(setup));
    return { args: ['-c', conf], extra: {} };
  },
};

export function startKnot(options: ServerOptions = {}): Promise<AuthoritativeServer> {
  return startAuthoritative(knotFlavour, options);
}

function keyEntry(key: TsigKeySpec): string {
  return `  - id: ${key.name}\n    algorithm: ${key.algorithm}\n    secret: ${key.secret}`;
}

function knotConf(s: Setup): string {
  const apexsyncKeys = s.apexsyncKeys.map((key) => key.name).join(', ');
  const owners = s.managedNames.map((name) => `${name}.`).join(', ');
  return `server:
  rundir: "${s.dir}"
  listen: 127.0.0.1@${s.port}
log:
  - target: stderr
    any: info
database:
  storage: "${s.dir}"
control:
  listen: "${s.dir}/knot.sock"
key:
${[s.adminKey, ...s.apexsyncKeys].map(keyEntry).join('\n')}
acl:
  - id: admin
    key: ${s.adminKey.name}
    action: update
  - id: apexsync
    key: [${apexsyncKeys}]
    action: update
    update-type: [A, AAAA]
    update-owner: name
    update-owner-match: equal
    update-owner-name: [${owners}]
template:
  - id: default
    storage: "${s.dir}"
    zonefile-sync: -1
    zonefile-load: difference-no-serial
    journal-content: all
zone:
  - domain: ${s.targetZone}
    file: "${s.dir}/${s.targetZone}.zone"
    acl: [admin]
  - domain: ${s.apexZone}
    file: "${s.dir}/${s.apexZone}.zone"
    acl: [admin, apexsync]
`;
}
